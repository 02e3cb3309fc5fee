namespace NasiOnnx.Engine.Scoring;

/// <summary>
/// One row of <see cref="MetricTable"/>: a metric's name, its result columns, the passes it reads and how its
/// numbers are formed from them. <see cref="Compute"/> returns one value per column; it throws a
/// <see cref="MetricUnavailableException"/> (the row then says why) when the model lacks what the metric needs.
/// </summary>
/// <param name="Name">The name in <c>--metric</c>.</param>
/// <param name="Columns">Result columns, the first one the metric's value.</param>
/// <param name="Needs">The passes <see cref="Compute"/> reads; the scorer runs each once per model.</param>
/// <param name="Compute">The numbers, from the passes' results.</param>
/// <param name="Definition">The formula and its source, for <c>--help</c> and the docs.</param>
/// <param name="InAll">Whether <c>--metric all</c> includes it (false for metrics that need a setting, e.g. ν).</param>
public sealed record MetricEntry(
    string Name,
    IReadOnlyList<string> Columns,
    IReadOnlyList<ScoringPass> Needs,
    Func<MetricContext, double[]> Compute,
    string Definition,
    bool InAll = true);
