namespace NasiOnnx.Engine.Ranking;

/// <summary>
/// Scores candidates one at a time. Each worker of a <see cref="RankingRunner"/> owns one scorer, so a scorer may
/// keep sessions and buffers without locking. A failure of one candidate should come back as a failed row.
/// </summary>
public interface ICandidateScorer : IDisposable
{
    /// <summary>The metric names of the rows this scorer returns, in column order.</summary>
    IReadOnlyList<string> Metrics { get; }

    ScoreRow Score(Candidate candidate, CancellationToken cancellationToken);
}
