using System.Globalization;

namespace NasiOnnx.Engine.Costs;

/// <summary>
/// One budget: <see cref="Cost"/> ≤ <see cref="Limit"/>, written <c>params&lt;=344346</c>, <c>flops&lt;=5e7</c> or
/// <c>latency_ms&lt;=2.5</c> (<see cref="Parse"/>, <see cref="ToString"/>). Limits are inclusive: a cell whose cost
/// equals the limit fits.
/// </summary>
public readonly record struct CostConstraint(CostKind Cost, double Limit)
{
    /// <summary>The names <see cref="Parse"/> accepts, in <see cref="CostKind"/> order.</summary>
    public static IReadOnlyList<string> Names { get; } = ["params", "flops", "latency_ms"];

    /// <summary>The command-line and metric name of <paramref name="cost"/>.</summary>
    public static string Name(CostKind cost) => Enum.IsDefined(cost)
        ? Names[(int)cost]
        : throw new ArgumentOutOfRangeException(nameof(cost), cost, "Not a cost.");

    /// <summary><c>params</c>, <c>flops</c> or <c>latency_ms</c> (any case) as a cost; the error names the text.</summary>
    public static CostKind ParseCost(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        for (var i = 0; i < Names.Count; i++)
            if (Names[i].Equals(text.Trim(), StringComparison.OrdinalIgnoreCase)) return (CostKind)i;
        throw new NasiException($"cost '{text}': expected one of {string.Join(", ", Names)}");
    }

    /// <summary>
    /// <c>COST&lt;=LIMIT</c> (spaces allowed, <c>≤</c> too; the limit a finite number ≥ 0, in invariant culture, e.g.
    /// <c>344346</c>, <c>3.4e5</c>); a <see cref="NasiException"/> quoting the text and saying what is wrong otherwise.
    /// </summary>
    public static CostConstraint Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var (at, width) = text.IndexOf("<=", StringComparison.Ordinal) is var i and >= 0 ? (i, 2) : (text.IndexOf('≤'), 1);
        if (at < 0)
            throw new NasiException($"constraint '{text}': expected COST<=LIMIT with COST one of {string.Join(", ", Names)} (only upper bounds, '<=')");
        var name = text[..at].Trim();
        var limitText = text[(at + width)..].Trim();
        CostKind cost;
        try
        {
            cost = ParseCost(name);
        }
        catch (NasiException)
        {
            throw new NasiException($"constraint '{text}': unknown cost '{name}', expected one of {string.Join(", ", Names)}");
        }
        if (!double.TryParse(limitText, NumberStyles.Float, CultureInfo.InvariantCulture, out var limit) || !double.IsFinite(limit))
            throw new NasiException($"constraint '{text}': the limit '{limitText}' is not a number");
        if (limit < 0) throw new NasiException($"constraint '{text}': the limit {limitText} is negative, and no cost is");
        return new CostConstraint(cost, limit);
    }

    /// <summary>True when <paramref name="value"/> (this constraint's cost of a candidate) is at most the limit.</summary>
    public bool IsMetBy(double value) => value <= Limit;

    /// <summary>True when <paramref name="cost"/> meets this constraint; a latency constraint needs a measured latency.</summary>
    public bool IsMetBy(ArchitectureCost cost) => IsMetBy(cost.Value(Cost));

    public override string ToString() => $"{Name(Cost)}<={Limit.ToString("R", CultureInfo.InvariantCulture)}";
}
