using NasiOnnx.Engine.Ranking;

namespace NasiOnnx.Tools.Output;

/// <summary>The ranked table at the end of a batch: best first by the first metric, failures listed after.</summary>
public static class RankTable
{
    public static void Print(TextWriter w, IReadOnlyList<ScoreRow> rows, IReadOnlyList<string> metrics, int top)
    {
        var ranked = RankingRunner.Ranked(rows, metrics[0]);
        var width = Math.Clamp(ranked.Select(r => r.Id.Length).DefaultIfEmpty(10).Max(), 10, 90);
        w.WriteLine($"{"rank",4}  {"id".PadRight(width)}  {string.Join("  ", metrics.Select(m => $"{m,12}"))}  {"params",11}  {"seconds",8}  batch");
        foreach (var (row, i) in ranked.Take(top).Select((r, i) => (r, i)))
        {
            var id = row.Id.Length > width ? "…" + row.Id[^(width - 1)..] : row.Id.PadRight(width);
            w.WriteLine($"{i + 1,4}  {id}  {string.Join("  ", metrics.Select(m => $"{row.Metric(m),12:G6}"))}  {row.Parameters,11:N0}  {row.Seconds,8:F2}  {row.Route}");
        }
        if (ranked.Count > top) w.WriteLine($"      … {ranked.Count - top} more");
        var failed = rows.Where(r => !r.IsOk).ToList();
        var partial = rows.Where(r => r.IsOk && r.Status != ScoreRow.Ok).ToList();
        foreach (var r in partial) w.WriteLine($"partial  {r.Id}: {r.Status}");
        foreach (var r in failed) w.WriteLine($"failed   {r.Id}: {r.Status}");
        w.WriteLine($"{rows.Count} candidates: {rows.Count - failed.Count} scored, {partial.Count} partially, {failed.Count} failed");
    }
}
