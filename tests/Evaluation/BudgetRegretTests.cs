using NasiOnnx.Engine;
using NasiOnnx.Engine.Evaluation;

namespace NasiOnnx.Tests.Evaluation;

public class BudgetRegretTests
{
    // Six hand-made cells: cost, score, accuracy on two datasets. Worked by hand below.
    private static readonly BudgetedCell[] Cells =
    [
        new("a", 10, 0.9, [80, 50]),
        new("b", 10, 0.2, [84, 55]),
        new("c", 20, 0.5, [88, 60]),
        new("d", 20, 0.5, [86, 64]), // ties c on score and cost
        new("e", 30, 0.1, [90, 70]),
        new("f", 40, double.NaN, [95, 75]),
    ];

    [Test]
    public void BudgetsAreLinearQuantilesOfTheCosts()
    {
        // Sorted 10 10 20 20 30 40: q = 0.5 sits between 20 and 20, q = 0.9 at 4.5 → 30 + 0.5·10.
        var b = BudgetRegret.Budgets(Cells.Select(c => c.Cost), [0, 0.5, 0.9, 1]);
        Assert.That(b, Is.EqualTo(new[] { 10, 20, 35, 40 }).Within(1e-12));
    }

    [Test]
    public void AtBudget20TheFirstPickTheBiggestAndRandomHaveTheirHandWorkedRegrets()
    {
        var fit = BudgetRegret.Feasible(Cells, 20);
        Assert.That(fit.Select(c => c.Id), Is.EqualTo(new[] { "a", "b", "c", "d" }));
        var best = BudgetRegret.Best(fit);
        Assert.That(best, Is.EqualTo(new[] { 88.0, 64.0 })); // per dataset, from different cells
        // First pick: a (score 0.9).
        Assert.That(BudgetRegret.Regret(best, BudgetRegret.FirstPick(fit)), Is.EqualTo(new[] { 8.0, 14.0 }));
        // Most costly: c and d tie at 20 → mean (87, 62).
        Assert.That(BudgetRegret.Regret(best, BudgetRegret.MostCostly(fit)), Is.EqualTo(new[] { 1.0, 2.0 }));
        // Random: mean of the four, (84.5, 57.25).
        Assert.That(BudgetRegret.Regret(best, BudgetRegret.Random(fit)), Is.EqualTo(new[] { 3.5, 6.75 }));
    }

    [Test]
    public void TiedFirstPicksCountAsTheirMeanAndNaNScoresAreNeverPicked()
    {
        var tied = BudgetRegret.Feasible(Cells.Where(c => c.Id is "c" or "d" or "e").ToList(), 30);
        Assert.That(BudgetRegret.FirstPick(tied), Is.EqualTo(new[] { 87.0, 62.0 }));
        var withNaN = BudgetRegret.Feasible(Cells, 40);
        Assert.That(BudgetRegret.FirstPick(withNaN), Is.EqualTo(new[] { 80.0, 50.0 }), "f scores NaN: a (0.9) is first, not f");
    }

    [Test]
    public void ABudgetNoCellMeetsIsAnErrorNamingTheCheapestCost()
    {
        var e = Assert.Throws<NasiException>(() => BudgetRegret.Feasible(Cells, 9.5))!;
        Assert.That(e.Message, Does.Contain("9.5").And.Contain("cheapest costs 10"));
        Assert.Throws<NasiException>(() => BudgetRegret.Budgets([1, 2], [1.5]));
    }
}
