namespace NasiOnnx.Engine.Proxies;

/// <summary>
/// The <c>ensemble</c> metric: a weighted rank average of a few proxies, where a single model's rank is its
/// percentile among the 1,000 dev cells (frozen quantiles), so one model's score is meaningful and deterministic:
/// ensemble = Σ w_k · percentile_k / Σ w_k, in [0, 1]. Composition, weights and quantiles are fitted on the dev
/// sample alone by <see cref="EnsembleFit"/> (<c>nasi fit-ensemble</c>) and frozen in <see cref="EnsembleCoefficients"/>.
/// </summary>
public sealed record EnsembleModel(IReadOnlyList<EnsembleMember> Members, string Fit)
{
    public double Score(Func<string, double> value)
    {
        double total = 0, weights = 0;
        foreach (var m in Members)
        {
            total += m.Weight * m.Percentile(value(m.Metric));
            weights += m.Weight;
        }
        return total / weights;
    }

    /// <summary>Members as "metric×weight" (a "−" for metrics where lower ranks better).</summary>
    public override string ToString() => string.Join(" + ", Members.Select(m => $"{(m.Sign < 0 ? "−" : "")}{m.Metric}×{m.Weight}"));
}
