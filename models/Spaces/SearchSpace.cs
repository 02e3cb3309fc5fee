using NasiOnnx.Engine;
using NasiOnnx.Engine.Costs;
using NasiOnnx.Engine.Search;
using Onnx;

namespace NasiOnnx.Models.Spaces;

/// <summary>
/// What the NASI search needs from a search space: its supernet (mixing weights as graph inputs), those inputs,
/// the rule that turns α* into an architecture, and the evaluation network of that architecture.
/// </summary>
public abstract class SearchSpace
{
    /// <summary>"nb201" or "darts".</summary>
    public abstract string Name { get; }

    public abstract IReadOnlyList<ArchitectureInput> ArchitectureInputs { get; }

    /// <summary>The supernet at the search size, its weights θ₀ seeded by <paramref name="seed"/>.</summary>
    public abstract ModelProto BuildSupernet(ulong seed);

    /// <summary>The architecture α* selects, as its space's string (cell string or genotype).</summary>
    public abstract string Derive(IReadOnlyDictionary<string, double[]> alpha);

    /// <summary>The evaluation network of a derived architecture, with seeded initial weights.</summary>
    public abstract ModelProto BuildNetwork(string architecture, ulong seed);

    /// <summary>
    /// The architecture α* selects among those that <paramref name="feasibility"/> admits (beyond the paper, which
    /// derives without constraints): the space's own rule where its choice fits, else the feasible architecture that
    /// rule scores highest (<see cref="Nb201SearchSpace"/>: exactly; <see cref="DartsSearchSpace"/>: by a Lagrangian
    /// cost penalty on α). Throws a <see cref="NasiException"/> naming the budget when none is found.
    /// </summary>
    public abstract string DeriveFeasible(IReadOnlyDictionary<string, double[]> alpha, Feasibility feasibility);

    /// <summary>
    /// The counted costs of <paramref name="architecture"/>'s evaluation network: parameters and multiply-accumulates
    /// per sample (no latency: that is measured, <c>LatencyMeter</c>). Independent of the weights' seed.
    /// </summary>
    public abstract ArchitectureCost Cost(string architecture);

    /// <summary>
    /// The architecture with the fewest parameters and the fewest multiply-accumulates at once (a parameter-free op on
    /// every edge): nothing in the space costs less in either count.
    /// </summary>
    public abstract string Cheapest { get; }

    /// <summary>
    /// Refuses a budget whose params or flops constraints no architecture of the space meets, naming the smallest
    /// cost there is; budgets that some architecture meets pass. (Latency is measured, not counted: it is checked where
    /// it is measured.)
    /// </summary>
    public void CheckFeasible(CostBudget budget)
    {
        ArgumentNullException.ThrowIfNull(budget);
        var least = Cost(Cheapest);
        foreach (var c in budget.Constraints.Where(c => c.Cost != CostKind.LatencyMs))
            if (!c.IsMetBy(least))
                throw new NasiException($"--constraint {c}: no {Name} architecture meets it; the smallest {CostConstraint.Name(c.Cost)} in the space is " +
                                        $"{least.Value(c.Cost):F0} ({Cheapest})");
    }

    /// <summary>
    /// <see cref="CheckFeasible(CostBudget)"/>, and where the budget limits latency, the cheapest architecture's
    /// latency measured against it: when even that one is too slow, the error names its latency (the smallest that the
    /// search can promise; a cell of more multiply-accumulates is rarely faster).
    /// </summary>
    public void CheckFeasible(Feasibility feasibility)
    {
        ArgumentNullException.ThrowIfNull(feasibility);
        CheckFeasible(feasibility.Budget);
        if (!feasibility.Budget.NeedsLatency) return;
        var cost = feasibility.CostOf(Cheapest);
        foreach (var c in feasibility.Budget.Constraints.Where(c => c.Cost == CostKind.LatencyMs))
            if (!c.IsMetBy(cost))
                throw new NasiException($"--constraint {c}: the cheapest {Name} architecture ({Cheapest}) takes {cost.LatencyMs:G4} ms, " +
                                        "the smallest latency a search can promise here");
    }

    protected static float[] ToFloats(IReadOnlyDictionary<string, double[]> alpha, string name) =>
        alpha.TryGetValue(name, out var values)
            ? values.Select(v => (float)v).ToArray()
            : throw new ArgumentException($"No architecture weights named '{name}'.", nameof(alpha));
}
