using NasiOnnx.Engine;
using NasiOnnx.Engine.Costs;

namespace NasiOnnx.Tests.Costs;

public class CostConstraintTests
{
    [TestCase("params<=344346", CostKind.Params, 344346)]
    [TestCase(" flops <= 5e7 ", CostKind.Flops, 5e7)]
    [TestCase("LATENCY_MS<=2.5", CostKind.LatencyMs, 2.5)]
    [TestCase("params≤0", CostKind.Params, 0)]
    public void ParsesTheCostAndTheLimit(string text, CostKind cost, double limit) =>
        Assert.That(CostConstraint.Parse(text), Is.EqualTo(new CostConstraint(cost, limit)));

    [TestCase("params<=101306")]
    [TestCase("flops<=1.5E-05")]
    [TestCase("latency_ms<=0.125")]
    public void ToStringRoundTrips(string text)
    {
        var c = CostConstraint.Parse(text);
        Assert.That(CostConstraint.Parse(c.ToString()), Is.EqualTo(c));
    }

    [TestCase("params<100", "only upper bounds")]
    [TestCase("macs<=100", "unknown cost 'macs'")]
    [TestCase("params<=lots", "'lots' is not a number")]
    [TestCase("params<=", "'' is not a number")]
    [TestCase("flops<=NaN", "'NaN' is not a number")]
    [TestCase("latency_ms<=-1", "negative")]
    public void ABadConstraintIsRefusedNamingItsText(string text, string why)
    {
        var e = Assert.Throws<NasiException>(() => CostConstraint.Parse(text))!;
        Assert.That(e.Message, Does.Contain($"'{text}'").And.Contain(why));
    }

    [Test]
    public void TheLimitIsInclusive()
    {
        var c = new CostConstraint(CostKind.Params, 73306);
        Assert.Multiple(() =>
        {
            Assert.That(c.IsMetBy(73306), Is.True);
            Assert.That(c.IsMetBy(73307), Is.False);
            Assert.That(c.IsMetBy(new ArchitectureCost(73306, long.MaxValue)), Is.True);
        });
    }

    [Test]
    public void AnUnmeasuredLatencyIsAnErrorNotAZero() =>
        Assert.Throws<InvalidOperationException>(() => new CostConstraint(CostKind.LatencyMs, 1).IsMetBy(new ArchitectureCost(1, 1)));
}
