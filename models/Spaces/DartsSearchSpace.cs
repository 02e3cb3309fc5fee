using NasiOnnx.Engine.Search;
using NasiOnnx.Models.Darts;
using Onnx;

namespace NasiOnnx.Models.Spaces;

/// <summary>DARTS: separate [14, 8] weights for normal and reduction cells; the DARTS top-2 derivation rule.</summary>
public sealed class DartsSearchSpace(DartsSupernetOptions supernet, DartsNetworkOptions network) : SearchSpace
{
    public DartsSearchSpace() : this(DartsSupernetOptions.Default, DartsNetworkOptions.Cifar10) { }

    public override string Name => "darts";

    public DartsSupernetOptions Supernet { get; } = supernet;
    public DartsNetworkOptions Network { get; } = network;

    public override IReadOnlyList<ArchitectureInput> ArchitectureInputs { get; } =
    [
        new(DartsSupernet.NormalWeightsName, DartsSupernet.EdgeCount, DartsSupernet.OpCount),
        new(DartsSupernet.ReduceWeightsName, DartsSupernet.EdgeCount, DartsSupernet.OpCount),
    ];

    public override ModelProto BuildSupernet(ulong seed) => DartsSupernet.Build(Supernet with { Seed = seed });

    public override string Derive(IReadOnlyDictionary<string, double[]> alpha) =>
        DartsDerivation.Derive(ToFloats(alpha, DartsSupernet.NormalWeightsName), ToFloats(alpha, DartsSupernet.ReduceWeightsName)).ToString();

    public override ModelProto BuildNetwork(string architecture, ulong seed) =>
        DartsNetwork.BuildCifar(DartsGenotype.Parse(architecture), Network with { Seed = seed });
}
