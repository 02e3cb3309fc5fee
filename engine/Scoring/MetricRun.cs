using System.Runtime.ExceptionServices;

namespace NasiOnnx.Engine.Scoring;

/// <summary>
/// The metrics of one model: runs every pass the requested metrics need, once each, then forms each metric from the
/// results. A pass or metric that fails leaves its columns NaN and its reason in <see cref="Missing"/>; when nothing
/// at all came out, <see cref="Run"/> throws (the first failure itself when one metric was asked for, so a library
/// caller still catches a <see cref="GraphException"/> as one). Dispose it to close what the passes left open.
/// </summary>
public sealed class MetricRun : IDisposable
{
    private MetricRun(PassResults passes, Dictionary<string, double> values, List<string> missing)
    {
        Passes = passes;
        Values = values;
        Missing = missing;
    }

    public PassResults Passes { get; }

    /// <summary>Every column of the requested metrics; NaN where a metric could not be computed.</summary>
    public IReadOnlyDictionary<string, double> Values { get; }

    /// <summary>Seconds each metric took to form its numbers (the lazy runs of a shared pass are charged to the first
    /// metric that asks for them).</summary>
    public IReadOnlyDictionary<string, double> MetricSeconds => _metricSeconds;

    private readonly Dictionary<string, double> _metricSeconds = new(StringComparer.Ordinal);

    /// <summary>"metric: why" for each requested metric that could not be computed.</summary>
    public IReadOnlyList<string> Missing { get; }

    public static MetricRun Run(PassInputs inputs, IReadOnlyList<Metric> metrics)
    {
        var entries = metrics.Select(MetricTable.Find).ToList();
        var passes = new PassResults();
        try
        {
            var errors = new Dictionary<ScoringPass, Exception>();
            foreach (var pass in entries.SelectMany(e => e.Needs).SelectMany(p => PassTable.Requires(p).Append(p)).Distinct().Order())
            {
                inputs.CancellationToken.ThrowIfCancellationRequested();
                try
                {
                    var clock = System.Diagnostics.Stopwatch.StartNew();
                    var result = PassTable.Run(pass, inputs, passes);
                    passes.Add(pass, result, clock.Elapsed.TotalSeconds);
                    if (PassTable.Provider(result) is { } p) passes.Provider = p;
                }
                catch (NasiException e)
                {
                    passes.Fail(pass, e.Message);
                    errors[pass] = e;
                }
            }

            var values = new Dictionary<string, double>(StringComparer.Ordinal);
            foreach (var column in MetricTable.Columns(metrics)) values[column] = double.NaN;
            var firsts = new Dictionary<string, double>(StringComparer.Ordinal);
            var missing = new List<string>();
            var metricSeconds = new Dictionary<string, double>(StringComparer.Ordinal);
            Exception? first = null;
            MetricContext context = null!;
            context = new MetricContext(inputs.Model, inputs.Parameters, inputs.Batch.Size, inputs.Options, passes, FirstValue);
            foreach (var entry in entries)
            {
                inputs.CancellationToken.ThrowIfCancellationRequested();
                var clock = System.Diagnostics.Stopwatch.StartNew();
                try
                {
                    var numbers = Compute(entry);
                    for (var i = 0; i < entry.Columns.Count; i++) values[entry.Columns[i]] = numbers[i];
                }
                catch (NasiException e)
                {
                    missing.Add($"{entry.Name}: {e.Message}");
                    first ??= entry.Needs.Select(p => errors.GetValueOrDefault(p)).FirstOrDefault(x => x is not null) ?? e;
                }
                metricSeconds[entry.Name] = clock.Elapsed.TotalSeconds;
            }
            if (missing.Count == entries.Count)
            {
                if (entries.Count == 1) ExceptionDispatchInfo.Capture(first!).Throw();
                throw new NasiException(string.Join("; ", missing));
            }
            var run = new MetricRun(passes, values, missing);
            foreach (var (k, v) in metricSeconds) run._metricSeconds[k] = v;
            return run;

            double[] Compute(MetricEntry entry)
            {
                var numbers = entry.Compute(context);
                if (numbers.Length != entry.Columns.Count)
                    throw new InvalidOperationException($"Metric '{entry.Name}' gave {numbers.Length} values for {entry.Columns.Count} columns.");
                firsts[entry.Name] = numbers[0];
                return numbers;
            }

            double FirstValue(string name)
            {
                if (firsts.TryGetValue(name, out var v)) return v;
                if (!MetricTable.TryFind(name, out var entry)) throw new InvalidOperationException($"No metric '{name}'.");
                foreach (var pass in entry.Needs)
                    if (!passes.Has(pass)) passes.Get<object>(pass); // throws the pass's failure, or says it was not run
                return Compute(entry)[0];
            }
        }
        catch
        {
            passes.Dispose();
            throw;
        }
    }

    public void Dispose() => Passes.Dispose();
}
