namespace NasiOnnx.Engine.Evaluation;

/// <summary>Rank correlations between a score and a ground truth, with ties handled as the textbooks do.</summary>
public static class RankCorrelation
{
    /// <summary>Spearman's ρ: Pearson correlation of the ranks, ties given their average rank.</summary>
    public static double Spearman(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        Check(x, y);
        return Pearson(Ranks(x), Ranks(y));
    }

    /// <summary>
    /// Kendall's τ-b (tie-corrected) by Knight's O(n log n) algorithm: sort by (x, y), count the pairs tied in x
    /// and in both, then merge-sort y counting the swaps (the discordant pairs) and the pairs tied in y. The
    /// O(n²) pair count took seconds per column over the 15,625 cells of NAS-Bench-201; a test keeps it as the
    /// reference.
    /// </summary>
    public static double Kendall(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        Check(x, y);
        var n = x.Count;
        var order = Enumerable.Range(0, n).ToArray();
        Array.Sort(order, (a, b) => x[a] != x[b] ? x[a].CompareTo(x[b]) : y[a].CompareTo(y[b]));
        var ys = order.Select(i => y[i]).ToArray();
        long pairs = (long)n * (n - 1) / 2, tiedX = 0, tiedBoth = 0;
        for (int start = 0, end; start < n; start = end)
        {
            for (end = start + 1; end < n && x[order[end]] == x[order[start]]; end++) { }
            tiedX += Choose2(end - start);
            for (int s = start, e; s < end; s = e)
            {
                for (e = s + 1; e < end && ys[e] == ys[s]; e++) { }
                tiedBoth += Choose2(e - s);
            }
        }
        var swaps = MergeSortCountingSwaps(ys, new double[n], 0, n);
        long tiedY = 0;
        for (int start = 0, end; start < n; start = end)
        {
            for (end = start + 1; end < n && ys[end] == ys[start]; end++) { }
            tiedY += Choose2(end - start);
        }
        var numerator = pairs - tiedX - tiedY + tiedBoth - 2 * swaps;
        var denominator = Math.Sqrt((double)(pairs - tiedX) * (pairs - tiedY));
        return denominator == 0 ? double.NaN : numerator / denominator;
    }

    private static long Choose2(long k) => k * (k - 1) / 2;

    /// <summary>Sorts values[lo..hi) ascending; returns the pairs i &lt; j with values[i] &gt; values[j] (strictly).</summary>
    private static long MergeSortCountingSwaps(double[] values, double[] scratch, int lo, int hi)
    {
        if (hi - lo < 2) return 0;
        var mid = (lo + hi) / 2;
        var swaps = MergeSortCountingSwaps(values, scratch, lo, mid) + MergeSortCountingSwaps(values, scratch, mid, hi);
        int i = lo, j = mid, k = lo;
        while (i < mid && j < hi)
        {
            if (values[j] < values[i]) { swaps += mid - i; scratch[k++] = values[j++]; }
            else scratch[k++] = values[i++];
        }
        while (i < mid) scratch[k++] = values[i++];
        while (j < hi) scratch[k++] = values[j++];
        Array.Copy(scratch, lo, values, lo, hi - lo);
        return swaps;
    }

    public static double Pearson(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        Check(x, y);
        double mx = x.Average(), my = y.Average(), sxy = 0, sxx = 0, syy = 0;
        for (var i = 0; i < x.Count; i++)
        {
            var dx = x[i] - mx;
            var dy = y[i] - my;
            sxy += dx * dy; sxx += dx * dx; syy += dy * dy;
        }
        return sxx == 0 || syy == 0 ? double.NaN : sxy / Math.Sqrt(sxx * syy);
    }

    /// <summary>1-based ranks, ties sharing their average rank.</summary>
    public static double[] Ranks(IReadOnlyList<double> values)
    {
        var order = Enumerable.Range(0, values.Count).OrderBy(i => values[i]).ToArray();
        var ranks = new double[values.Count];
        for (var start = 0; start < order.Length;)
        {
            var end = start;
            while (end + 1 < order.Length && values[order[end + 1]] == values[order[start]]) end++;
            var average = (start + end) / 2.0 + 1;
            for (var k = start; k <= end; k++) ranks[order[k]] = average;
            start = end + 1;
        }
        return ranks;
    }

    private static void Check(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        if (x.Count != y.Count) throw new ArgumentException($"{x.Count} scores but {y.Count} truths");
        if (x.Count < 2) throw new NasiException($"a rank correlation needs at least 2 pairs (got {x.Count})");
        if (x.Any(double.IsNaN) || y.Any(double.IsNaN)) throw new NasiException("a rank correlation was given NaN values");
    }
}
