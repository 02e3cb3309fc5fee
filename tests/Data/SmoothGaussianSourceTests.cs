using NasiOnnx.Engine;
using NasiOnnx.Engine.Data;

namespace NasiOnnx.Tests.Data;

public class SmoothGaussianSourceTests
{
    private static (double Variance, double NeighbourCorrelation) InteriorStatistics(SmoothGaussianSource source)
    {
        var batch = source.Draw(256, 0).Inputs;
        const int h = 16, w = 16;
        double sum2 = 0, cross = 0;
        var n = 0;
        for (var image = 0; image < batch.Data.Length; image += h * w)
            for (var y = 4; y < h - 4; y++)
                for (var x = 4; x < w - 4; x++)
                {
                    double v = batch.Data[image + y * w + x], right = batch.Data[image + y * w + x + 1];
                    sum2 += v * v;
                    cross += v * right;
                    n++;
                }
        return (sum2 / n, cross / sum2);
    }

    [Test]
    public void InteriorPixelsHaveUnitVarianceAndTheBlursCorrelation()
    {
        var (variance, correlation) = InteriorStatistics(new SmoothGaussianSource([1, 16, 16], 10, seed: 1, blurs: 3));
        Assert.That(variance, Is.EqualTo(1).Within(0.05));
        // The 1-D kernel of three box passes is [1,3,6,7,6,3,1]/27: lag-1 autocorrelation Σk_i k_{i+1} / Σk_i² = 126/141.
        Assert.That(correlation, Is.EqualTo(126.0 / 141).Within(0.03));
        var (whiteVariance, whiteCorrelation) = InteriorStatistics(new SmoothGaussianSource([1, 16, 16], 10, seed: 1, blurs: 0));
        Assert.That(whiteVariance, Is.EqualTo(1).Within(0.05));
        Assert.That(whiteCorrelation, Is.EqualTo(0).Within(0.03));
    }

    [Test]
    public void SameSeedAndStepSameBatch()
    {
        var a = new SmoothGaussianSource([3, 8, 8], 10, seed: 4).Draw(4, 7);
        var b = DataSpec.Open("smooth:3", [3, 8, 8], 10, null, null, seed: 4).Draw(4, 7);
        Assert.That(a.Inputs.Data, Is.EqualTo(b.Inputs.Data));
        Assert.That(a.Labels, Is.EqualTo(b.Labels));
        Assert.That(new SmoothGaussianSource([3, 8, 8], 10, seed: 4).Draw(4, 8).Inputs.Data, Is.Not.EqualTo(a.Inputs.Data));
    }

    [TestCase("smooth:x")]
    [TestCase("smooth:99")]
    public void BadBlurCountsAreRefused(string spec) =>
        Assert.That(() => DataSpec.Open(spec, [3, 8, 8], 10, null, null, seed: 0), Throws.InstanceOf<NasiException>().With.Message.Contains("smooth"));
}
