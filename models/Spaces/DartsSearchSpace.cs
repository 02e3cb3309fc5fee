using NasiOnnx.Engine;
using NasiOnnx.Engine.Costs;
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
    /// The sum over the genotype's pairs (<see cref="DartsEdgeCosts"/>): 21 networks built once per space, then every
    /// genotype's cost without building it.
    /// </summary>
    public override ArchitectureCost Cost(string architecture) => EdgeCosts.Of(DartsGenotype.Parse(architecture));

    /// <summary>What each op adds on each kind of pair, built on first use.</summary>
    public DartsEdgeCosts EdgeCosts => _edgeCosts.Value;

    private readonly Lazy<DartsEdgeCosts> _edgeCosts = new(() => new DartsEdgeCosts(network));

    /// <summary>max_pool_3x3 on all eight pairs of both cells: only the fixed preprocessing, stem and head have weights.</summary>
    public override string Cheapest => CheapestGenotype.ToString();

    /// <inheritdoc cref="Cheapest"/>
    public static DartsGenotype CheapestGenotype { get; } = MakeCheapest();

    /// <summary>
    /// DARTS's rule on α* − λ·penalty, the penalty of an op on a pair being what it adds to each counted cost over that
    /// constraint's limit (flops over the cheapest network's where latency alone is limited): the rule then maximises
    /// Σ α* − λ·penalty over the chosen pairs, exactly, node by node. λ = 0 is the unconstrained derivation; otherwise
    /// the smallest λ found (doubling, then bisection) whose genotype fits. A large λ gives parameter-free ops
    /// everywhere, the cheapest genotype, so a budget that passes <see cref="SearchSpace.CheckFeasible(Feasibility)"/>
    /// always gets a genotype. A Lagrangian relaxation of the budgeted derivation, not an exact search of the space.
    /// </summary>
    public override string DeriveFeasible(IReadOnlyDictionary<string, double[]> alpha, Feasibility feasibility)
    {
        ArgumentNullException.ThrowIfNull(feasibility);
        var normal = ToFloats(alpha, DartsSupernet.NormalWeightsName);
        var reduce = ToFloats(alpha, DartsSupernet.ReduceWeightsName);
        string At(double lambda) => DartsDerivation.Derive(Penalised(normal, false, lambda, feasibility.Budget), Penalised(reduce, true, lambda, feasibility.Budget)).ToString();
        var unconstrained = At(0);
        if (feasibility.Budget.IsEmpty || feasibility.Fits(unconstrained)) return unconstrained;
        CheckFeasible(feasibility);
        double lo = 0, hi = 1e-4;
        for (var k = 0; !feasibility.Fits(At(hi)); k++)
        {
            if (k == 60) throw new NasiException($"--constraint {feasibility.Budget}: no penalty made the derived darts genotype fit");
            lo = hi;
            hi *= 2;
        }
        for (var i = 0; i < 16; i++)
        {
            var mid = (lo + hi) / 2;
            if (feasibility.Fits(At(mid))) hi = mid;
            else lo = mid;
        }
        return At(hi);
    }

    private float[] Penalised(float[] weights, bool reduction, double lambda, CostBudget budget)
    {
        if (lambda == 0) return weights;
        var counted = budget.Constraints.Where(c => c.Cost != CostKind.LatencyMs).ToList();
        var flopsScale = (double)Math.Max(1, Cost(Cheapest).Flops);
        var result = (float[])weights.Clone();
        for (var node = 2; node < DartsCell.StateCount; node++)
            for (var input = 0; input < node; input++)
                for (var op = 1; op < DartsSupernet.OpCount; op++)
                {
                    var added = EdgeCosts.Added((DartsOp)op, reduction, input);
                    var penalty = counted.Count == 0
                        ? added.Flops / flopsScale
                        : counted.Sum(c => added.Value(c.Cost) / Math.Max(c.Limit, 1));
                    result[DartsSupernet.EdgeIndex(node, input) * DartsSupernet.OpCount + op] -= (float)(lambda * penalty);
                }
        return result;
    }

    private static DartsGenotype MakeCheapest()
    {
        var edges = Enumerable.Range(2, DartsCell.NodeCount)
            .SelectMany(_ => new[] { new DartsEdge(DartsOp.MaxPool3x3, 0), new DartsEdge(DartsOp.MaxPool3x3, 1) }).ToArray();
        return new DartsGenotype(new DartsCell(edges), new DartsCell(edges));
    }
}
