using System.Collections.Concurrent;
using NasiOnnx.Engine.Autodiff;
using NasiOnnx.Engine.Costs;
using NasiOnnx.Engine.Graphs;
using NasiOnnx.Engine.Proxies;
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

    /// <summary>
    /// Counted on the built evaluation network (<see cref="ParameterSet"/>, <see cref="FlopCount"/> at batch 1) and
    /// cached per genotype: a DARTS network has a few million weights to draw, so a search asks for each cost once.
    /// </summary>
    public override ArchitectureCost Cost(string architecture) =>
        _costs.GetOrAdd(DartsGenotype.Parse(architecture).ToString(), key =>
        {
            var model = BuildNetwork(key, seed: 0);
            var shapes = StaticShapes.For(model, new Dictionary<string, long[]>
            {
                [DartsNetwork.InputName] = [1, Network.InputChannels, Network.InputSize, Network.InputSize],
            });
            return new ArchitectureCost(ParameterSet.Of(model).Count, FlopCount.Macs(model, shapes));
        });

    private readonly ConcurrentDictionary<string, ArchitectureCost> _costs = new(StringComparer.Ordinal);

    /// <summary>max_pool_3x3 on all eight pairs of both cells: only the fixed preprocessing, stem and head have weights.</summary>
    public override string Cheapest { get; } = CheapestGenotype().ToString();

    private static DartsGenotype CheapestGenotype()
    {
        var edges = Enumerable.Range(2, DartsCell.NodeCount)
            .SelectMany(_ => new[] { new DartsEdge(DartsOp.MaxPool3x3, 0), new DartsEdge(DartsOp.MaxPool3x3, 1) }).ToArray();
        return new DartsGenotype(new DartsCell(edges), new DartsCell(edges));
    }
}
