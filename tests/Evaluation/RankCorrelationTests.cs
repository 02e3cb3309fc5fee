using NasiOnnx.Engine.Evaluation;

namespace NasiOnnx.Tests.Evaluation;

public class RankCorrelationTests
{
    [Test]
    public void PerfectAndReversedOrders()
    {
        double[] x = [1, 2, 3, 4, 5], y = [10, 20, 25, 400, 1000];
        Assert.That(RankCorrelation.Spearman(x, y), Is.EqualTo(1).Within(1e-12));
        Assert.That(RankCorrelation.Kendall(x, y), Is.EqualTo(1).Within(1e-12));
        Assert.That(RankCorrelation.Spearman(x, y.Reverse().ToArray()), Is.EqualTo(-1).Within(1e-12));
        Assert.That(RankCorrelation.Kendall(x, y.Reverse().ToArray()), Is.EqualTo(-1).Within(1e-12));
    }

    [Test]
    public void WithoutTiesSpearmanMatchesTheClosedForm()
    {
        double[] x = [3, 1, 4, 1.5, 5, 9, 2.6], y = [2, 7, 1, 8, 2.8, 1.8, 2.9];
        var rx = RankCorrelation.Ranks(x);
        var ry = RankCorrelation.Ranks(y);
        var n = x.Length;
        var d2 = rx.Zip(ry, (a, b) => (a - b) * (a - b)).Sum();
        Assert.That(RankCorrelation.Spearman(x, y), Is.EqualTo(1 - 6 * d2 / (n * (n * n - 1.0))).Within(1e-12));
    }

    [Test]
    public void TiedValues()
    {
        // From a separate Python implementation of the definitions (average ranks; tau-b with tie counts).
        double[] x = [1, 2, 2, 3, 4, 4, 5], y = [2, 1, 3, 3, 5, 4, 6];
        Assert.That(RankCorrelation.Ranks(x), Is.EqualTo(new[] { 1, 2.5, 2.5, 4, 5.5, 5.5, 7 }));
        Assert.That(RankCorrelation.Spearman(x, y), Is.EqualTo(0.9082951062292475).Within(1e-12));
        Assert.That(RankCorrelation.Kendall(x, y), Is.EqualTo(0.8207826816681233).Within(1e-12));
    }

    /// <summary>The fast τ-b against the textbook O(n²) pair count, on data with many ties in x, in y and in both.</summary>
    [Test]
    public void KendallEqualsThePairCountWithHeavyTies()
    {
        var rng = new NasiOnnx.Engine.Init.Rng(5);
        for (var trial = 0; trial < 20; trial++)
        {
            var n = 2 + rng.NextInt(400);
            var levels = 1 + rng.NextInt(12);
            var x = Enumerable.Range(0, n).Select(_ => (double)rng.NextInt(levels)).ToArray();
            var y = Enumerable.Range(0, n).Select(i => trial % 2 == 0 ? rng.NextInt(levels) : x[i] + rng.NextInt(3)).ToArray();
            var expected = PairCount(x, y);
            var actual = RankCorrelation.Kendall(x, y);
            if (double.IsNaN(expected)) Assert.That(actual, Is.NaN, $"trial {trial}");
            else Assert.That(actual, Is.EqualTo(expected).Within(1e-12), $"trial {trial}, n {n}");
        }
    }

    private static double PairCount(double[] x, double[] y)
    {
        long concordant = 0, discordant = 0, tiesX = 0, tiesY = 0;
        for (var i = 0; i < x.Length; i++)
            for (var j = i + 1; j < x.Length; j++)
            {
                int dx = Math.Sign(x[i] - x[j]), dy = Math.Sign(y[i] - y[j]);
                if (dx == 0 && dy == 0) continue;
                if (dx == 0) tiesX++;
                else if (dy == 0) tiesY++;
                else if (dx == dy) concordant++;
                else discordant++;
            }
        var denominator = Math.Sqrt((double)(concordant + discordant + tiesX) * (concordant + discordant + tiesY));
        return denominator == 0 ? double.NaN : (concordant - discordant) / denominator;
    }
}
