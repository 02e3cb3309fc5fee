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
        if (value <= q[0]) return 0;
        if (value >= q[^1]) return 1;
        var hi = 1;
        while (q[hi] < value) hi++;
        var lo = hi - 1;
        // Equal quantiles (ties in the dev sample): the middle of their span.
        var first = lo;
        while (first > 0 && q[first - 1] == q[lo]) first--;
        var fraction = q[hi] == q[lo] ? 0.5 : (value - q[lo]) / (q[hi] - q[lo]);
        var position = value == q[lo] ? (first + lo) / 2.0 : lo + fraction;
        return position / (q.Count - 1);
    }
}
