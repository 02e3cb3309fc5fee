namespace NasiOnnx.Models.Api;

/// <summary>
/// Every number computed for one model, as <c>nasi score --json</c> prints it: the model, its parameter count and
/// input, the data, each requested metric (null when not requested), the provider and the total time.
/// <see cref="Metrics"/> holds the columns of every other metric of <see cref="Engine.Scoring.MetricTable"/> that was
/// asked for (NaN where it could not be computed), and <see cref="Unavailable"/> says why ("metric: reason").
/// </summary>
public sealed record ModelScore(
    string Model,
    long Parameters,
    long[] InputShape,
    string Data,
    string Labels,
    ulong Seed,
    NasiSummary? Nasi,
    NtkSummary? Ntk,
    string Provider,
    double Seconds,
    IReadOnlyDictionary<string, double>? Metrics = null,
    IReadOnlyList<string>? Unavailable = null);
