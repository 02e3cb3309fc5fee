using NasiOnnx.Engine.Costs;

namespace NasiOnnx.Tests.Costs;

public class CostBudgetTests
{
    private static readonly CostBudget Budget = CostBudget.Parse(["params<=1000", "flops<=50000", "latency_ms<=2"]);

    [Test]
    public void ACandidateIsFeasibleWhenItMeetsEveryConstraint()
    {
        Assert.Multiple(() =>
        {
            Assert.That(Budget.IsMetBy(new ArchitectureCost(1000, 50000, 2)), Is.True);
            Assert.That(Budget.IsMetBy(new ArchitectureCost(1001, 50000, 2)), Is.False);
            Assert.That(Budget.IsMetBy(new ArchitectureCost(1000, 50001, 2)), Is.False);
            Assert.That(Budget.IsMetBy(new ArchitectureCost(1000, 50000, 2.01)), Is.False);
            Assert.That(CostBudget.None.IsMetBy(new ArchitectureCost(long.MaxValue, long.MaxValue)), Is.True);
        });
    }

    [Test]
    public void CountsAloneAreCheckedBeforeLatencyIsMeasured()
    {
        Assert.Multiple(() =>
        {
            Assert.That(Budget.NeedsLatency, Is.True);
            Assert.That(CostBudget.Parse(["params<=1"]).NeedsLatency, Is.False);
            Assert.That(Budget.IsMetByCounts(new ArchitectureCost(10, 10)), Is.True);
            Assert.That(Budget.IsMetByCounts(new ArchitectureCost(1001, 10)), Is.False);
        });
    }

    [Test]
    public void ViolationsNameEachBrokenConstraintAndTheValue() =>
        Assert.That(Budget.Violations(new ArchitectureCost(2000, 10, 3)), Is.EqualTo(new[] { "params 2000 > 1000", "latency_ms 3 > 2" }));

    [Test]
    public void ToStringListsTheConstraints() =>
        Assert.That(Budget.ToString(), Is.EqualTo("params<=1000 and flops<=50000 and latency_ms<=2"));
}
