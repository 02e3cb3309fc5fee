using NasiOnnx.Engine.Graphs;
using NasiOnnx.Engine.Proxies;
using NasiOnnx.Engine.Scoring;

namespace NasiOnnx.Tests.Proxies;

/// <summary>The proxies' formulas on inputs whose answer is known in closed form.</summary>
public class ProxyFormulaTests
{
    private static Tensor Map(params float[][] channels) =>
        new(channels.SelectMany(c => c).ToArray(), [1, channels.Length, 1, channels[0].Length]);

    [Test]
    public void MecoIsTheSmallestEigenvalueOfTheChannelCorrelation()
    {
        // Correlation 1 between two channels: [[1, 1], [1, 1]] has eigenvalues 0 and 2.
        Assert.That(Meco.MinEigenvalue(Map([1, 2, 3, 4], [2, 4, 6, 8])), Is.EqualTo(0).Within(1e-12));
        // Uncorrelated channels (centered, orthogonal): the identity.
        Assert.That(Meco.MinEigenvalue(Map([1, -1, 1, -1], [1, 1, -1, -1])), Is.EqualTo(1).Within(1e-12));
        // [1, 0, −1, 0] against [1, 1, −1, −1]: ρ = 1/√2, eigenvalues 1 ± ρ.
        var rho = Meco.Correlation(new float[] { 1, 0, -1, 0, 1, 1, -1, -1 }, 2, 4)[1];
        Assert.That(Meco.MinEigenvalue(Map([1, 0, -1, 0], [1, 1, -1, -1])), Is.EqualTo(1 - rho).Within(1e-12));
        Assert.That(rho, Is.EqualTo(Math.Sqrt(0.5)).Within(1e-12));
        // A constant channel has no correlation: MeCo zeroes its NaN row and column, so 0 is an eigenvalue.
        Assert.That(Meco.MinEigenvalue(Map([3, 3, 3, 3], [1, 2, 3, 4])), Is.EqualTo(0).Within(1e-12));
        Assert.That(Meco.Score([Map([1, -1, 1, -1], [1, 1, -1, -1]), Map([1, -1, 1, -1], [1, 1, -1, -1])]), Is.EqualTo(2).Within(1e-12));
    }

    [Test]
    public void JacobCovOfUncorrelatedRowsIsItsClosedForm()
    {
        // Four Walsh functions of length 8: centered and mutually orthogonal, so the correlation matrix is I.
        var j = new Tensor([1, -1, 1, -1, 1, -1, 1, -1, 1, 1, -1, -1, 1, 1, -1, -1, 1, -1, -1, 1, 1, -1, -1, 1, 1, 1, 1, 1, -1, -1, -1, -1], [4, 8]);
        var expected = -4 * (Math.Log(1 + JacobCov.K) + 1 / (1 + JacobCov.K));
        Assert.That(JacobCov.Score(j), Is.EqualTo(expected).Within(1e-9));
        var constant = new Tensor([1, -1, 1, -1, 2, 2, 2, 2], [2, 4]);
        var e = Assert.Throws<MetricUnavailableException>(() => JacobCov.Score(constant))!;
        Assert.That(e.Message, Does.Contain("sample 1"));
    }

    [Test]
    public void NaswotsKernelCountsAgreementsAndTakesTheLogDeterminant()
    {
        // Codes over three units: sample 0 = 101, sample 1 = 110. They agree on one unit: K = [[3, 1], [1, 3]], det 8.
        var relu = new ActivationPass.ReluInput("r", new Tensor([0.5f, -1, 2, 0.1f, 0.2f, 0], [2, 3]), Readers: 1);
        var k = Naswot.Kernel([relu], 2);
        Assert.That(k, Is.EqualTo(new double[] { 3, 1, 1, 3 }));
        Assert.That(Naswot.LogAbsDet(k, 2), Is.EqualTo(Math.Log(8)).Within(1e-12));
        // A ReLU read by two nodes counts twice, as two ReLU modules' hooks do; 130 units span several 64-bit words.
        var wide = new float[2 * 130];
        for (var i = 0; i < 130; i++) { wide[i] = i % 3 == 0 ? 1 : -1; wide[130 + i] = i % 2 == 0 ? 1 : -1; }
        var agree = Enumerable.Range(0, 130).Count(i => i % 3 == 0 == (i % 2 == 0));
        var twice = Naswot.Kernel([new ActivationPass.ReluInput("w", new Tensor(wide, [2, 130]), Readers: 2)], 2);
        Assert.That(twice, Is.EqualTo(new double[] { 260, 2 * agree, 2 * agree, 260 }));
        // Identical codes: a singular kernel, log|det| = −∞ (slogdet's answer).
        Assert.That(Naswot.LogAbsDet([2, 2, 2, 2], 2), Is.EqualTo(double.NegativeInfinity));
    }

    [Test]
    public void PatternsAreCountedAcrossNeuronsForSwapAndAcrossSamplesForLinearRegions()
    {
        // Three samples × four neurons: neuron patterns (over samples) 100, 110, 100, 000 → 3 distinct;
        // sample patterns (over neurons) 1110, 0100, 0000 → 3 distinct.
        var t = new Tensor([1, 1, 1, -1, -1, 2, 0, 0, 0, 0, -3, 0], [3, 4]);
        Assert.That(Patterns.DistinctNeuronPatterns([t], 3), Is.EqualTo(3));
        Assert.That(Patterns.DistinctSamplePatterns([t], 3), Is.EqualTo(3));
        var same = new Tensor([1, -1, 1, -1], [2, 2]);
        Assert.That(Patterns.DistinctSamplePatterns([same], 2), Is.EqualTo(1), "two samples in one linear region");
        // 70 samples: patterns wider than one 64-bit word.
        var many = new float[70 * 2];
        for (var s = 0; s < 70; s++) { many[s * 2] = s == 69 ? 1 : 0; many[s * 2 + 1] = s == 0 ? 1 : 0; }
        Assert.That(Patterns.DistinctNeuronPatterns([new Tensor(many, [70, 2])], 70), Is.EqualTo(2));
    }

    [Test]
    public void ZensScoreIsLogDeltaPlusTheBatchNormScaling()
    {
        // Output difference: |1−1.5| + |2−2| = 0.5 for sample 0, |0−1| = 1 for sample 1 (1×1×1×2 maps): Δ = 0.75.
        var a = new Tensor([1, 2, 0, 0], [2, 1, 1, 2]);
        var b = new Tensor([1.5f, 2, 1, 0], [2, 1, 1, 2]);
        // One BN input, one channel: four values ±1 have unbiased variance 4/3, four values ±2 have 16/3.
        var bn1 = new Tensor([-1, 1, -1, 1], [2, 1, 1, 2]);
        var bn2 = new Tensor([-2, 2, -2, 2], [2, 1, 1, 2]);
        double v1 = 4.0 / 3, v2 = 16.0 / 3;
        Assert.That(GaussianInitPass.ChannelVariances(bn1), Is.EqualTo(new[] { v1 }).Within(1e-12));
        var expected = Math.Log(0.75) + Math.Log(Math.Sqrt(0.81 + 0.09 * v1 + 0.1 * v2));
        Assert.That(GaussianInitPass.ZenScore(a, b, [bn1], [bn2]), Is.EqualTo(expected).Within(1e-12));
    }
}
