using System.Diagnostics;

namespace NasiOnnx.Engine.Ranking;

/// <summary>
/// Scores many candidates in parallel, each worker with its own scorer, appending every row to a
/// <see cref="ResultLog"/> the moment it is finished. Candidates already in the log are skipped, so a killed run
/// started again continues where it stopped and loses nothing. A candidate with <see cref="Candidate.Members"/> is
/// scored once and its members' rows are written with its own, in one write; a resumed run completes a class whose
/// member rows a kill cut short.
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
        if (log is not null) CompleteClasses(candidates, log);
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
                var written = WithMembers(candidate, row);
                log?.Append(written);
                RankingProgress report;
                lock (gate)
                {
                    rows.AddRange(written);
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
        var ids = new HashSet<string>(candidates.SelectMany(c => c.Members.Select(m => m.Id).Prepend(c.Id)), StringComparer.Ordinal);
        return finished.Where(r => ids.Contains(r.Id)).ToList();
    }

    /// <summary>The candidate's row, then one per member carrying its metrics (none without members).</summary>
    private static IReadOnlyList<ScoreRow> WithMembers(Candidate candidate, ScoreRow row)
    {
        if (candidate.Members.Count == 0) return [row];
        var scored = row with { ScoredAs = candidate.Id };
        return candidate.Members.Where(m => m.Id != candidate.Id)
            .Select(m => scored with { Id = m.Id, Parameters = m.Parameters ?? row.Parameters, Seconds = 0 })
            .Prepend(scored).ToList();
    }

    /// <summary>Writes the member rows missing beside a candidate's own row (a run killed between them).</summary>
    private static void CompleteClasses(IReadOnlyList<Candidate> candidates, ResultLog log)
    {
        foreach (var candidate in candidates)
        {
            if (candidate.Members.Count == 0 || candidate.Members.All(m => log.Contains(m.Id)) || log.Find(candidate.Id) is not { } row) continue;
            log.Append(WithMembers(candidate, row).Skip(1).Where(r => !log.Contains(r.Id)).ToList());
        }
    }

    /// <summary>The ok rows, best first by <paramref name="metric"/> (higher is better), ties by id.</summary>
    public static IReadOnlyList<ScoreRow> Ranked(IEnumerable<ScoreRow> rows, string metric) =>
        rows.Where(r => r.IsOk && !double.IsNaN(r.Metric(metric)))
            .OrderByDescending(r => r.Metric(metric)).ThenBy(r => r.Id, StringComparer.Ordinal)
            .ToList();
}
