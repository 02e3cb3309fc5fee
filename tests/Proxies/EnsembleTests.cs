using NasiOnnx.Engine.Init;
using NasiOnnx.Engine.Proxies;

namespace NasiOnnx.Tests.Proxies;

public class EnsembleTests
{
    private static readonly double[] Quartiles = [0, 10, 20, 30, 40]; // 5 quantiles: 0 %, 25 %, …, 100 %

    [Test]
    public void AValuesPercentileInterpolatesTheDevQuantiles()
    {
        var m = new EnsembleMember("zico", 1, 1, Quartiles);
        Assert.That(m.Percentile(-5), Is.EqualTo(0));
        Assert.That(m.Percentile(15), Is.EqualTo(0.375).Within(1e-12));
        Assert.That(m.Percentile(40), Is.EqualTo(1));
        Assert.That(m.Percentile(double.NaN), Is.EqualTo(0), "n/a counts as the lowest");
        Assert.That(m.Percentile(double.NegativeInfinity), Is.EqualTo(0));
        Assert.That(m.Percentile(double.PositiveInfinity), Is.EqualTo(1));
        Assert.That((m with { Sign = -1 }).Percentile(15), Is.EqualTo(0.625).Within(1e-12), "lower is better: turned around");
        var ties = new EnsembleMember("swap", 1, 1, [1, 1, 1, 5, 9]);
        Assert.That(ties.Percentile(1), Is.EqualTo(0.25).Within(1e-12), "a tied dev value sits in the middle of its span");
    }

    [Test]
    public void TheModelIsTheWeightedMeanOfItsMembersPercentiles()
    {
        var model = new EnsembleModel([new("a", 2, 1, Quartiles), new("b", 1, -1, Quartiles)], "test");
        var score = model.Score(name => name == "a" ? 30 : 10);
        Assert.That(score, Is.EqualTo((2 * 0.75 + 1 * 0.75) / 3).Within(1e-12));
        Assert.That(model.ToString(), Is.EqualTo("a×2 + −b×1"));
    }

    /// <summary>Accuracy a noisy function of a planted proxy: the fit must pick it (or its mirror, with sign −1) and
    /// leave out pure noise.</summary>
    [Test]
    public void TheFitFindsThePlantedProxyAndItsDirection()
    {
        var rng = new Rng(3);
        const int n = 400;
        var signal = Enumerable.Range(0, n).Select(_ => rng.NextGaussian()).ToArray();
        var truth = signal.Select(s => 80 + 5 * s + rng.NextGaussian()).ToArray();
        var scores = new Dictionary<string, double[]>
        {
            ["mirror"] = signal.Select(s => -3 * s).ToArray(),
            ["noise"] = Enumerable.Range(0, n).Select(_ => rng.NextGaussian()).ToArray(),
        };
        var model = EnsembleFit.Fit(scores, [truth, truth.Select(t => t + rng.NextGaussian()).ToArray()], "synthetic");
        Assert.That(model.Members.Select(m => m.Metric), Is.EqualTo(new[] { "mirror" }));
        Assert.That(model.Members[0].Sign, Is.EqualTo(-1));
        Assert.That(model.Members[0].Quantiles, Has.Count.EqualTo(EnsembleFit.QuantileCount));
        Assert.That(model.Members[0].Quantiles, Is.Ordered);

        var source = EnsembleFit.Source(model, "nasi fit-ensemble --scores s.csv --truth t.csv");
        Assert.That(source, Does.Contain("new(\"mirror\", 1, -1, [").And.Contain("nasi fit-ensemble --scores s.csv"));
    }
}
