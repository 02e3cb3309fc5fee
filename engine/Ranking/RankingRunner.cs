using System.Diagnostics;

namespace NasiOnnx.Engine.Ranking;

/// <summary>
/// Scores many candidates in parallel, each worker with its own scorer, appending every row to a
/// <see cref="ResultLog"/> the moment it is finished. Candidates already in the log are skipped, so a killed run
/// started again continues where it stopped and loses nothing.
/// </summary>
public static class RankingRunner
{
    public static async Task<IReadOnlyList<ScoreRow>> RunAsync(
        IReadOnlyList<Candidate> candidates,
        Func<ICandidateScorer> scorerFactory,
        ResultLog? log,
        RankingOptions options,
        IProgress<RankingProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        if (options.Workers < 1) throw new NasiException($"workers must be at least 1 (got {options.Workers})");
        var pending = candidates.Where(c => log is null || !log.Contains(c.Id)).ToList();
        var resumed = candidates.Count - pending.Count;
        if (options.BudgetCount is { } budget) pending = pending.Take(Math.Max(0, budget)).ToList();

        var rows = new List<ScoreRow>();
        var gate = new object();
        var next = -1;
        int done = 0, failed = 0;
        var clock = Stopwatch.StartNew();
        progress?.Report(new RankingProgress(0, pending.Count, resumed, 0, TimeSpan.Zero, null));

        void Work()
        {
            using var scorer = scorerFactory();
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (options.BudgetTime is { } limit && clock.Elapsed >= limit) return;
                var i = Interlocked.Increment(ref next);
                if (i >= pending.Count) return;
                var candidate = pending[i];
                var started = clock.Elapsed;
                ScoreRow row;
                try
                {
                    row = scorer.Score(candidate, cancellationToken);
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    throw;
                }
                catch (Exception e)
                {
                    // One bad candidate must not end a batch: it becomes an error row.
                    var message = e is NasiException ? e.Message : $"internal error: {e.GetType().Name}: {e.Message}";
                    row = ScoreRow.Failed(candidate.Id, message, (clock.Elapsed - started).TotalSeconds);
                }
                log?.Append(row);
                RankingProgress report;
                lock (gate)
                {
                    rows.Add(row);
                    done++;
                    if (!row.IsOk) failed++;
                    report = new RankingProgress(done, pending.Count, resumed, failed, clock.Elapsed, row);
                }
                progress?.Report(report);
            }
        }

        var workers = Enumerable.Range(0, Math.Min(options.Workers, Math.Max(1, pending.Count)))
            .Select(_ => Task.Factory.StartNew(Work, cancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default))
            .ToArray();
        await Task.WhenAll(workers).ConfigureAwait(false);

        var finished = log?.Rows ?? rows;
        var ids = new HashSet<string>(candidates.Select(c => c.Id));
        return finished.Where(r => ids.Contains(r.Id)).ToList();
    }

    /// <summary>The ok rows, best first by <paramref name="metric"/> (higher is better), ties by id.</summary>
    public static IReadOnlyList<ScoreRow> Ranked(IEnumerable<ScoreRow> rows, string metric) =>
        rows.Where(r => r.IsOk && !double.IsNaN(r.Metric(metric)))
            .OrderByDescending(r => r.Metric(metric)).ThenBy(r => r.Id, StringComparer.Ordinal)
            .ToList();
}
