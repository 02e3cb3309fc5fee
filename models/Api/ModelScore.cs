namespace NasiOnnx.Models.Api;

/// <summary>
/// Every number computed for one model, as <c>nasi score --json</c> prints it: the model, its parameter count and
/// input, the data, each requested metric (null when not requested), the provider and the total time; how the
/// batch met the model (<see cref="Batch"/>) and what else a reader should know (<see cref="Notes"/>).
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
    IReadOnlyList<string>? Unavailable = null)
{
    /// <summary>The batch route: "as-is", "relaxed" or "per-sample" (<see cref="Engine.Scoring.BatchRoute"/>).</summary>
    public string Batch { get; init; } = "as-is";

    /// <summary>The input is [N, H, W, C] (channels last, a Keras export).</summary>
    public bool ChannelsLast { get; init; }

    /// <summary>The logits read before a final Softmax, the part of a data file used, why a model was not relaxed.</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];
}
