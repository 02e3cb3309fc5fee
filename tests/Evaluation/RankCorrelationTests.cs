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
}
