using NasiOnnx.Models.Nb201;

namespace NasiOnnx.Tests.Models.Nb201;

public class Nb201OpNamesTests
{
    [TestCase(Nb201Op.None, "none")]
    [TestCase(Nb201Op.SkipConnect, "skip_connect")]
    [TestCase(Nb201Op.NorConv1x1, "nor_conv_1x1")]
    [TestCase(Nb201Op.NorConv3x3, "nor_conv_3x3")]
    [TestCase(Nb201Op.AvgPool3x3, "avg_pool_3x3")]
    public void EachOpHasItsPublishedNameBothWays(Nb201Op op, string name)
    {
        Assert.That(op.Name(), Is.EqualTo(name));
        Assert.That(Nb201OpNames.TryParse(name, out var parsed), Is.True);
        Assert.That(parsed, Is.EqualTo(op));
    }

    [Test]
    public void TheTableCoversEveryOpInDeclarationOrder() =>
        Assert.That(Nb201OpNames.All, Is.EqualTo(Enum.GetValues<Nb201Op>().Select(o => o.Name())));

    [TestCase("Nor_Conv_3x3")]
    [TestCase("conv_3x3")]
    [TestCase("")]
    public void OtherSpellingsAreNotOps(string name) => Assert.That(Nb201OpNames.TryParse(name, out _), Is.False);
}
