namespace NasiOnnx.Engine.Ranking;

/// <summary>Progress of a ranking run: how many of the planned candidates are done (resumed rows excluded).</summary>
public sealed record RankingProgress(int Done, int Planned, int Resumed, int Failed, TimeSpan Elapsed, ScoreRow? Last)
{
    public double RatePerMinute => Elapsed.TotalMinutes > 0 ? Done / Elapsed.TotalMinutes : 0;

    public TimeSpan? Remaining => Done == 0 ? null : TimeSpan.FromSeconds(Elapsed.TotalSeconds / Done * (Planned - Done));
}
