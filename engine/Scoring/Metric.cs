namespace NasiOnnx.Engine.Scoring;

/// <summary>
/// A metric by name, as <c>--metric</c>, <see cref="ScoringOptions.Metrics"/> and the result columns know it. What
/// each name computes, from which pass, is <see cref="MetricTable"/>'s: this type is only the name, so that options
/// and rows stay plain data.
/// </summary>
public sealed record Metric
{
    private Metric(string name) => Name = name;

    public string Name { get; }

    /// <summary>NASI's S = ‖∇θ mean CE‖² (columns "nasi" and "loss").</summary>
    public static Metric Nasi { get; } = new("nasi");

    /// <summary>The NTK trace by finite perturbation (columns "ntk" and "ntk_se").</summary>
    public static Metric Ntk { get; } = new("ntk");

    /// <summary>NASI's objective R = S − μ·max(0, S − ν) (column "objective").</summary>
    public static Metric Objective { get; } = new("objective");

    /// <summary>The metric named <paramref name="name"/> (case-insensitive); a <see cref="NasiException"/> listing the
    /// known names if there is none.</summary>
    public static Metric Parse(string name)
    {
        var key = name.Trim().ToLowerInvariant();
        if (key == "r") key = Objective.Name; // the objective's symbol, accepted since the first release
        return MetricTable.TryFind(key, out var entry)
            ? new Metric(entry.Name)
            : throw new NasiException($"--metric '{name}': expected all or one of {string.Join(", ", MetricTable.Entries.Select(e => e.Name))}");
    }

    /// <summary>Comma-separated names; <c>all</c> is every metric of the table except those needing settings not given
    /// (the objective needs ν).</summary>
    public static IReadOnlyList<Metric> ParseList(string text, bool objectivePossible = false)
    {
        var names = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var metrics = new List<Metric>();
        foreach (var name in names)
        {
            if (name.Equals("all", StringComparison.OrdinalIgnoreCase))
                metrics.AddRange(MetricTable.Entries.Where(e => e.InAll || (objectivePossible && e.Name == Objective.Name)).Select(e => new Metric(e.Name)));
            else
                metrics.Add(Parse(name));
        }
        var distinct = metrics.Distinct().ToList();
        return distinct.Count > 0 ? distinct : throw new NasiException("--metric: name at least one metric");
    }

    public override string ToString() => Name;
}
