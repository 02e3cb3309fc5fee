using NasiOnnx.Engine.Data;
using NasiOnnx.Engine.Search;
using NasiOnnx.Models.Api;
using NasiOnnx.Models.Nb201;
using NasiOnnx.Models.Spaces;

namespace NasiOnnx.Models.Studies;

/// <summary>
/// Runs the same search over several budgets T and seeds, as NAS-Bench-201 papers report a search: one search per
/// (T, seed), each exactly <c>nasi search</c> with that T and seed. Every finished run goes to the <see cref="StudyLog"/>
/// at once, so a killed study started again skips what it finished. The truth table is opened only after the first
/// search has ended and is never passed into a search.
/// </summary>
public static class SearchStudy
{
    public static async Task<IReadOnlyList<StudyRun>> RunAsync(
        SearchSpace space,
        NasiSearchOptions options,
        DataOptions? data,
        IReadOnlyList<int> budgets,
        IReadOnlyList<ulong> seeds,
        StudyLog? log,
        Func<Nb201Truth>? truth = null,
        IProgress<StudyProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        var plan = budgets.SelectMany(t => seeds.Select(s => (Samples: t, Seed: s))).ToList();
        var runs = log?.Runs.Where(r => plan.Contains((r.Samples, r.Seed))).ToList() ?? [];
        var resumed = runs.Count;
        Nb201Truth? table = null;
        foreach (var (samples, seed) in plan)
        {
            if (runs.Any(r => r.Samples == samples && r.Seed == seed)) continue;
            cancellationToken.ThrowIfCancellationRequested();
            var inner = progress is null ? null : new Relay<NasiSearchProgress>(p =>
                progress.Report(new StudyProgress(runs.Count, plan.Count, resumed, null, p, samples, seed)));
            var outcome = await Nasi.SearchAsync(space, options with { Samples = samples, Seed = seed }, data, inner, cancellationToken)
                .ConfigureAwait(false);
            var run = new StudyRun(samples, seed, outcome.Architecture, outcome.BuildSeconds + outcome.SearchSeconds,
                outcome.MeanScore, outcome.Nu);
            if (truth is not null)
            {
                table ??= truth(); // after a search has ended, never before
                run = WithAccuracy(run, table);
            }
            log?.Append(run);
            runs.Add(run);
            progress?.Report(new StudyProgress(runs.Count, plan.Count, resumed, run, null, samples, seed));
        }
        // Runs resumed from a file written without the table get their accuracies now that every search has ended.
        if (truth is not null && runs.Any(r => double.IsNaN(r.Cifar10)))
        {
            table ??= truth();
            runs = runs.Select(r => double.IsNaN(r.Cifar10) ? WithAccuracy(r, table) : r).ToList();
        }
        return runs.OrderBy(r => budgets.ToList().IndexOf(r.Samples)).ThenBy(r => r.Seed).ToList();
    }

    private static StudyRun WithAccuracy(StudyRun run, Nb201Truth table)
    {
        var accuracy = table.Lookup(run.Architecture);
        return run with { Cifar10 = accuracy.Cifar10, Cifar100 = accuracy.Cifar100, ImageNet16 = accuracy.ImageNet16 };
    }

    /// <summary>Reports synchronously, in order, on the searching thread (Progress&lt;T&gt; would post out of order).</summary>
    private sealed class Relay<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
