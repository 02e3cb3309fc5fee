using NasiOnnx.Engine.Ntk;

namespace NasiOnnx.Tests.Ntk;

public class NtkSpectrumTests
{
    [Test]
    public void EigenvaluesMeanAndConditionNumberOfAKnownMatrix()
    {
        // [[2, 1], [1, 2]] has eigenvalues 1 and 3.
        var s = NtkSpectrum.Of(new GramMatrix(2, [2, 1, 1, 2]));
        Assert.That(s.Eigenvalues, Is.EqualTo(new[] { 1.0, 3.0 }).Within(1e-12));
        Assert.That(s.Mean, Is.EqualTo(2).Within(1e-12));
        Assert.That(s.ConditionNumber, Is.EqualTo(3).Within(1e-12));
    }

    [Test]
    public void SingularMatrixHasNoConditionNumber()
    {
        var s = NtkSpectrum.Of(new GramMatrix(2, [1, 1, 1, 1]));
        Assert.That(s.Max, Is.EqualTo(2).Within(1e-12));
        Assert.That(s.ConditionNumber, Is.Null);
    }
}
