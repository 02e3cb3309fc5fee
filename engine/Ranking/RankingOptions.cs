namespace NasiOnnx.Engine.Ranking;

/// <summary>How a ranking run spends its budget.</summary>
public sealed record RankingOptions
{
    /// <summary>Parallel workers, each with its own scorer (and sessions).</summary>
    public int Workers { get; init; } = 2;

    /// <summary>Score at most this many new candidates (null: all).</summary>
    public int? BudgetCount { get; init; }

    /// <summary>Take no new candidate after this much time (null: no limit).</summary>
    public TimeSpan? BudgetTime { get; init; }
}
