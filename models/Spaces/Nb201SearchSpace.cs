using NasiOnnx.Engine;
using NasiOnnx.Engine.Costs;
using NasiOnnx.Engine.Search;
using NasiOnnx.Models.Nb201;
using Onnx;

namespace NasiOnnx.Models.Spaces;

/// <summary>NAS-Bench-201: one [6, 5] weight matrix shared by every cell; the cell is the argmax per edge (among the four real ops by default).</summary>
public sealed class Nb201SearchSpace(Nb201NetworkOptions supernet, Nb201NetworkOptions network, Nb201SupernetOptions? cells = null,
    bool deriveWithoutNone = true) : SearchSpace
{
    /// <summary>
    /// The search size: C = 16 and N = 1 cell per stage (the measured cost per G_t is in the README); α is shared by
    /// every cell, so deeper supernets cost more without giving the search anything new to weigh.
    /// </summary>
    public static Nb201NetworkOptions DefaultSupernet { get; } = new() { C = 16, N = 1 };

    public Nb201SearchSpace() : this(DefaultSupernet, Nb201NetworkOptions.Default) { }

    public override string Name => "nb201";

    public Nb201NetworkOptions Supernet { get; } = supernet;
    public Nb201NetworkOptions Network { get; } = network;
    public Nb201SupernetOptions Cells { get; } = cells ?? Nb201SupernetOptions.Default;

    /// <summary>Derive each edge's op among the four real ops, never <c>none</c> (DARTS's rule; see the README).</summary>
    public bool DeriveWithoutNone { get; } = deriveWithoutNone;

    public override IReadOnlyList<ArchitectureInput> ArchitectureInputs { get; } =
        [new(Nb201Supernet.WeightsName, Nb201Cell.EdgeCount, Nb201Supernet.OpCount)];

    public override ModelProto BuildSupernet(ulong seed) => Nb201Supernet.Build(Supernet with { Seed = seed }, Cells);

    public override string Derive(IReadOnlyDictionary<string, double[]> alpha) =>
        Nb201Cell.FromWeights(ToFloats(alpha, Nb201Supernet.WeightsName), DeriveWithoutNone).ToString();

    public override ModelProto BuildNetwork(string architecture, ulong seed) =>
        Nb201Network.Build(Nb201Cell.Parse(architecture), Network with { Seed = seed });

    /// <summary>
    /// The feasible cell of the highest Σ_e α*[e, op_e] (the largest product of the per-edge probabilities
    /// softmax(α*)), among the four real ops per edge with <see cref="DeriveWithoutNone"/>: an exact search of the
    /// 4⁶ (or 5⁶) cells, ties to the earlier cell in <see cref="Nb201Cell.All"/>'s order. Unconstrained it is
    /// <see cref="Derive"/>'s cell. Latency is measured for at most <see cref="MaxLatencyChecks"/> cells, in that order.
    /// </summary>
    public override string DeriveFeasible(IReadOnlyDictionary<string, double[]> alpha, Feasibility feasibility)
    {
        ArgumentNullException.ThrowIfNull(feasibility);
        var weights = ToFloats(alpha, Nb201Supernet.WeightsName);
        if (feasibility.Budget.IsEmpty) return Derive(alpha);
        CheckFeasible(feasibility.Budget);
        Derive(alpha); // validates the weights (shape, finite), naming the bad entry
        var opCount = Nb201OpNames.All.Count;
        double Score(Nb201Cell cell) => cell.Edges.Select((e, i) => (double)weights[i * opCount + (int)e.Op]).Sum();
        var ranked = Nb201Cell.All().Where(c => !DeriveWithoutNone || c.Edges.All(e => e.Op != Nb201Op.None))
            .Select(c => (Cell: c, Score: Score(c))).OrderByDescending(x => x.Score);
        var measuredBefore = feasibility.Measured;
        foreach (var (cell, _) in ranked)
        {
            var text = cell.ToString();
            if (feasibility.Fits(text)) return text;
            if (feasibility.Measured - measuredBefore >= MaxLatencyChecks)
                throw new NasiException($"--constraint {feasibility.Budget}: none of the {MaxLatencyChecks} cells of highest α* that meet the counted constraints meets the latency one");
        }
        throw new NasiException($"--constraint {feasibility.Budget}: no nb201 cell meets every constraint");
    }

    /// <summary>How many latencies <see cref="DeriveFeasible"/> measures before it gives up.</summary>
    public const int MaxLatencyChecks = 200;

    /// <summary>Both counts in closed form (<see cref="Nb201Network.ParameterCount"/>, <see cref="Nb201Network.MacCount"/>): cheaper than a cache lookup.</summary>
    public override ArchitectureCost Cost(string architecture) => Cost(Nb201Cell.Parse(architecture));

    /// <inheritdoc cref="Cost(string)"/>
    public ArchitectureCost Cost(Nb201Cell cell) => new(Nb201Network.ParameterCount(cell, Network), Nb201Network.MacCount(cell, Network));

    /// <summary>avg_pool_3x3 on every edge: no conv in any cell, and connected (unlike the all-none cell, which costs the same).</summary>
    public override string Cheapest { get; } = Nb201Cell.Uniform(Nb201Op.AvgPool3x3).ToString();
}
