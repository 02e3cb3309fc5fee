using NasiOnnx.Engine.Data;
using NasiOnnx.Engine.Search;

namespace NasiOnnx.Tests.Search;

public class NasiSearchTests
{
    private static NasiSearch Create(NasiSearchOptions options) =>
        NasiSearch.Create(TinySupernet.Build(), [TinySupernet.Arch], options with { Runtime = new() { Provider = Engine.Runtime.ExecutionProvider.Cpu } });

    private static Batch Batch(int size) => new GaussianSource([4, 6, 6], 5, seed: 3).Draw(size, 0);

    [TestCase(1.0, false)]
    [TestCase(0.5, false)]
    [TestCase(1.0, true)]
    public void ScoreGradientMatchesCentralDifferencesOfSOverEachAlpha(double tau, bool sqrtMixing)
    {
        // With μ = 0, R = S and G = ∂S/∂α, the second-order quantity the search is built on.
        using var search = Create(new NasiSearchOptions { BatchSize = 8, Mu = 0, Tau = tau, Seed = 11, SqrtMixing = sqrtMixing, RelativeStep = 1e-4 });
        var batch = Batch(8);
        var alpha = new double[] { 0.3, -0.2, 0.1, -0.4, 0.25, 0.05 };
        var gumbel = search.Gumbel(0);
        var g = search.SampleAt(0, alpha, gumbel, batch, nu: double.MaxValue).Gradient;

        // Small steps on both sides: this tiny net's S is piecewise smooth (ReLU kinks), and a larger α or θ step lets
        // some sample cross a kink, so the difference measures the kink rather than the slope.
        const double delta = 1e-3;
        var fd = new double[alpha.Length];
        for (var k = 0; k < alpha.Length; k++)
        {
            var plus = (double[])alpha.Clone(); plus[k] += delta;
            var minus = (double[])alpha.Clone(); minus[k] -= delta;
            fd[k] = (search.ScoreAt(search.Softmax(plus, gumbel), batch) - search.ScoreAt(search.Softmax(minus, gumbel), batch)) / (2 * delta);
        }
        var scale = fd.Max(Math.Abs);
        Assert.That(scale, Is.GreaterThan(0));
        for (var k = 0; k < alpha.Length; k++)
            Assert.That(g[k], Is.EqualTo(fd[k]).Within(0.02 * scale), $"α[{k}]: G={g[k]:G6} fd={fd[k]:G6} (all fd: {string.Join(", ", fd.Select(v => v.ToString("G4")))}; all G: {string.Join(", ", g.Select(v => v.ToString("G4")))})");
    }

    [Test]
    public void ThePenaltyFlipsTheGradientAboveNu()
    {
        using var search = Create(new NasiSearchOptions { BatchSize = 8, Mu = 3, Seed = 5 });
        var alpha = new double[6];
        var gumbel = search.Gumbel(2);
        var below = search.SampleAt(0, alpha, gumbel, Batch(8), nu: double.MaxValue);
        var above = search.SampleAt(0, alpha, gumbel, Batch(8), nu: below.Score / 2);
        Assert.That(above.Objective, Is.EqualTo(below.Score - 3 * (below.Score - below.Score / 2)).Within(1e-9 * below.Score));
        for (var k = 0; k < alpha.Length; k++)
            Assert.That(above.Gradient[k], Is.EqualTo(-2 * below.Gradient[k]).Within(1e-6 * below.GradientNorm), "R' = (1 − μ) S' above ν");
    }

    [Test]
    public void SameSeedSameSearch()
    {
        NasiSearchResult Run()
        {
            using var search = Create(new NasiSearchOptions { BatchSize = 4, Samples = 3, CalibrationSamples = 2, Seed = 9, Variant = NasiVariant.Ada });
            return search.Run(new GaussianSource([4, 6, 6], 5, seed: 9));
        }
        var a = Run();
        var b = Run();
        Assert.That(a.Alpha["arch"], Is.EqualTo(b.Alpha["arch"]));
        Assert.That(a.Samples.Select(s => s.Score), Is.EqualTo(b.Samples.Select(s => s.Score)));
        Assert.That(a.Samples, Has.Count.EqualTo(3));
        Assert.That(a.InitialNu, Is.GreaterThan(0));
        // Δ* = (ξ/T) Σ G_t / max‖G_s‖: each term has norm ≤ 1, so ‖α*‖ ≤ ξ.
        Assert.That(Math.Sqrt(a.Alpha["arch"].Sum(v => v * v)), Is.LessThanOrEqualTo(1 + 1e-9));
    }
}
