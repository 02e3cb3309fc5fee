namespace NasiOnnx.Engine.Scoring;

/// <summary>
/// The results of the passes run for one model, or why a pass could not run. Owns what the passes left open (e.g.
/// the gradient session a later pass reuses): dispose it when the model is done.
/// </summary>
public sealed class PassResults : IDisposable
{
    private readonly Dictionary<ScoringPass, object> _results = [];
    private readonly Dictionary<ScoringPass, string> _failures = [];

    /// <summary>"CPU" or "CUDA", from the last pass that ran a session.</summary>
    public string Provider { get; set; } = "";

    /// <summary>Wall-clock seconds each pass took (the lazy parts of a pass are charged to the metric that asks).</summary>
    public IReadOnlyDictionary<ScoringPass, double> Seconds => _seconds;

    private readonly Dictionary<ScoringPass, double> _seconds = [];

    public void Add(ScoringPass pass, object result, double seconds = 0)
    {
        _results[pass] = result;
        _seconds[pass] = seconds;
    }

    public void Fail(ScoringPass pass, string reason) => _failures[pass] = reason;

    public bool Has(ScoringPass pass) => _results.ContainsKey(pass);

    /// <summary>The result of <paramref name="pass"/>; a <see cref="MetricUnavailableException"/> with the pass's
    /// failure when it did not run.</summary>
    public T Get<T>(ScoringPass pass) where T : class
    {
        if (_results.TryGetValue(pass, out var r)) return (T)r;
        if (_failures.TryGetValue(pass, out var why)) throw new MetricUnavailableException(why);
        throw new InvalidOperationException($"The {pass} pass was not run: a metric read it without declaring it.");
    }

    /// <summary>As <see cref="Get{T}"/>, or null when the pass did not run.</summary>
    public T? Find<T>(ScoringPass pass) where T : class => _results.TryGetValue(pass, out var r) ? (T)r : null;

    public void Dispose()
    {
        foreach (var r in _results.Values) (r as IDisposable)?.Dispose();
        _results.Clear();
    }
}
