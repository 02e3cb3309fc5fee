namespace NasiOnnx.Engine.Proxies;

/// <summary>
/// One proxy of the ensemble: its weight, its direction (+1 when a higher value ranks better on the dev sample), and
/// the quantiles of its values over the dev sample (ascending, finite), which turn one model's value into its
/// percentile among the dev cells.
/// </summary>
public sealed record EnsembleMember(string Metric, int Weight, int Sign, IReadOnlyList<double> Quantiles)
{
    /// <summary>
    /// The value's percentile in [0, 1] among the dev cells, by linear interpolation between the quantiles, turned
    /// around when <see cref="Sign"/> is −1. NaN (the metric is n/a for this model) and −∞ count as the lowest value,
    /// +∞ as the highest.
    /// </summary>
    public double Percentile(double value)
    {
        double p;
        if (double.IsNaN(value) || double.IsNegativeInfinity(value)) p = 0;
        else if (double.IsPositiveInfinity(value)) p = 1;
        else p = Interpolate(value);
        return Sign > 0 ? p : 1 - p;
    }

    private double Interpolate(double value)
    {
        var q = Quantiles;
        var last = q.Count - 1;
        // A value the dev sample holds at several quantiles (ties, e.g. the dead cells' zeros): the middle of that span.
        var first = -1;
        for (var i = 0; i <= last; i++)
            if (q[i] == value) { if (first < 0) first = i; else if (i == last || q[i + 1] != value) return (first + i) / 2.0 / last; }
        if (first >= 0) return (double)first / last;
        if (value < q[0]) return 0;
        if (value > q[last]) return 1;
        var hi = 1;
        while (q[hi] < value) hi++;
        return (hi - 1 + (value - q[hi - 1]) / (q[hi] - q[hi - 1])) / last;
    }
}
