namespace NasiOnnx.Engine.Costs;

/// <summary>
/// Every constraint a search must meet (all of them: a conjunction). Empty means unconstrained. A candidate is
/// feasible when it meets each one; <see cref="Violations"/> says which it breaks, for messages and tests.
/// </summary>
public sealed class CostBudget
{
    public CostBudget(IEnumerable<CostConstraint> constraints)
    {
        ArgumentNullException.ThrowIfNull(constraints);
        Constraints = constraints.ToArray();
    }

    public static CostBudget None { get; } = new([]);

    /// <summary>Each text as <see cref="CostConstraint.Parse"/> reads it; errors name the text.</summary>
    public static CostBudget Parse(IEnumerable<string> texts) => new(texts.Select(CostConstraint.Parse));

    public IReadOnlyList<CostConstraint> Constraints { get; }

    public bool IsEmpty => Constraints.Count == 0;

    /// <summary>True when some constraint limits latency, which has to be measured (the others are counted).</summary>
    public bool NeedsLatency => Constraints.Any(c => c.Cost == CostKind.LatencyMs);

    /// <summary>True when <paramref name="cost"/> meets every constraint.</summary>
    public bool IsMetBy(ArchitectureCost cost) => Constraints.All(c => c.IsMetBy(cost));

    /// <summary>
    /// True when the counted costs meet every params and flops constraint: a cheap first test, so that latency is
    /// measured only for candidates that can still fit.
    /// </summary>
    public bool IsMetByCounts(ArchitectureCost cost) => Constraints.Where(c => c.Cost != CostKind.LatencyMs).All(c => c.IsMetBy(cost));

    /// <summary>The constraints <paramref name="cost"/> breaks, with its value, e.g. <c>params 802426 &gt; 344346</c>.</summary>
    public IReadOnlyList<string> Violations(ArchitectureCost cost) => Constraints.Where(c => !c.IsMetBy(cost))
        .Select(c => $"{CostConstraint.Name(c.Cost)} {cost.Value(c.Cost):G} > {c.Limit:G}").ToList();

    public override string ToString() => IsEmpty ? "none" : string.Join(" and ", Constraints);
}
