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

    protected static float[] ToFloats(IReadOnlyDictionary<string, double[]> alpha, string name) =>
        alpha.TryGetValue(name, out var values)
            ? values.Select(v => (float)v).ToArray()
            : throw new ArgumentException($"No architecture weights named '{name}'.", nameof(alpha));
}
