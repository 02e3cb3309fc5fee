namespace NasiOnnx.Engine.Ranking;

/// <summary>
/// One scored candidate, as written to CSV/JSON lines: its id (cell string or file), the metric values (NaN where a
/// metric could not be computed), and how it went. <see cref="Status"/> is "ok", "partial: why" (some metrics are
/// missing, e.g. an op without a gradient rule) or "error: what", so a batch goes on.
/// <see cref="Route"/> and <see cref="Notes"/> say how the model was run.
/// </summary>
public sealed record ScoreRow
{
    public const string Ok = "ok";

    public required string Id { get; init; }
    public IReadOnlyDictionary<string, double> Metrics { get; init; } = new Dictionary<string, double>();
    public long Parameters { get; init; }
    public string InputShape { get; init; } = "";

    /// <summary>How the batch met the model's batch dimension: "as-is", "relaxed" or "per-sample"
    /// (<see cref="Scoring.BatchRoute"/>); empty for a row that failed before it was decided.</summary>
    public string Route { get; init; } = "";

    /// <summary>What the row says besides its numbers ("logits before the final Softmax 'prob'", the part of a data
    /// file used, why a model was not relaxed), joined by "; ".</summary>
    public string Notes { get; init; } = "";
    public string Provider { get; init; } = "";
    public double Seconds { get; init; }
    public string Status { get; init; } = Ok;

    /// <summary>The id of the candidate whose score this row carries, when it was scored as another, isomorphic
    /// one (<see cref="Candidate.Members"/>; the scored candidate's own row names itself); empty otherwise.</summary>
    public string ScoredAs { get; init; } = "";

    /// <summary>False for a candidate that could not be scored at all.</summary>
    public bool IsOk => !Status.StartsWith("error", StringComparison.Ordinal);

    public double Metric(string name) => Metrics.TryGetValue(name, out var v) ? v : double.NaN;

    public static ScoreRow Failed(string id, string error, double seconds = 0) =>
        new() { Id = id, Status = "error: " + error.ReplaceLineEndings(" "), Seconds = seconds };
}
