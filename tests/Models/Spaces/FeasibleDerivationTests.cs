using NasiOnnx.Engine;
using NasiOnnx.Engine.Costs;
using NasiOnnx.Engine.Init;
using NasiOnnx.Models.Darts;
using NasiOnnx.Models.Nb201;
using NasiOnnx.Models.Spaces;

namespace NasiOnnx.Tests.Models.Spaces;

public class FeasibleDerivationTests
{
    private static readonly Nb201SearchSpace Nb201 = new();
    private static readonly Nb201Cell[] Cells = Nb201Cell.All().ToArray();

    private static Dictionary<string, double[]> RandomAlpha(Rng rng, string name, int count) =>
        new() { [name] = Enumerable.Range(0, count).Select(_ => rng.NextGaussian()).ToArray() };

    /// <summary>A budget at the cost of a random cell: params, flops or both.</summary>
    private static CostBudget RandomBudget(Rng rng, Func<string, ArchitectureCost> cost, Func<string> randomArch)
    {
        var (a, b) = (cost(randomArch()), cost(randomArch()));
        return rng.NextInt(3) switch
        {
            0 => new CostBudget([new CostConstraint(CostKind.Params, a.Params)]),
            1 => new CostBudget([new CostConstraint(CostKind.Flops, a.Flops)]),
            _ => new CostBudget([new CostConstraint(CostKind.Params, a.Params), new CostConstraint(CostKind.Flops, b.Flops)]),
        };
    }

    [Test]
    public void Nb201DerivesTheFeasibleCellOfHighestAlphaSumUnderRandomBudgets()
    {
        var rng = new Rng(24);
        for (var trial = 0; trial < 40; trial++)
        {
            var alpha = RandomAlpha(rng, Nb201Supernet.WeightsName, 30);
            var budget = RandomBudget(rng, Nb201.Cost, () => Cells[rng.NextInt(Cells.Length)].ToString());
            var chosen = Nb201Cell.Parse(Nb201.DeriveFeasible(alpha, new Feasibility(budget, Nb201.Cost)));
            // Brute force, independently: every cell without none, its cost from the closed forms, its Σ α.
            double Sum(Nb201Cell c) => c.Edges.Select((e, i) => alpha[Nb201Supernet.WeightsName][i * 5 + (int)e.Op]).Sum();
            var best = Cells.Where(c => c.Edges.All(e => e.Op != Nb201Op.None))
                .Where(c => budget.IsMetBy(new ArchitectureCost(Nb201Network.ParameterCount(c, Nb201NetworkOptions.Default), Nb201Network.MacCount(c, Nb201NetworkOptions.Default))))
                .Max(Sum);
            Assert.That(budget.IsMetBy(Nb201.Cost(chosen)), Is.True, $"trial {trial}: {chosen} breaks {budget}");
            Assert.That(Sum(chosen), Is.EqualTo(best).Within(1e-12), $"trial {trial}: {budget}");
            Assert.That(chosen.Edges.Any(e => e.Op == Nb201Op.None), Is.False, "no-none derivation");
        }
    }

    [Test]
    public void Nb201WithoutABudgetOrWithALooseOneIsTheUnconstrainedDerivation()
    {
        var rng = new Rng(5);
        var alpha = RandomAlpha(rng, Nb201Supernet.WeightsName, 30);
        Assert.That(Nb201.DeriveFeasible(alpha, new Feasibility(CostBudget.None, Nb201.Cost)), Is.EqualTo(Nb201.Derive(alpha)));
        Assert.That(Nb201.DeriveFeasible(alpha, new Feasibility(CostBudget.Parse(["params<=1e9"]), Nb201.Cost)), Is.EqualTo(Nb201.Derive(alpha)));
    }

    [Test]
    public void Nb201MeasuresLatencyOnlyForCellsThatMeetTheCounts()
    {
        var measured = new List<string>();
        var budget = CostBudget.Parse(["params<=200000", "latency_ms<=1"]);
        // A fake latency: 2 ms for cells with a 3x3 conv, else 0.5 ms.
        var feasibility = new Feasibility(budget, Nb201.Cost, a => { measured.Add(a); return a.Contains("nor_conv_3x3") ? 2 : 0.5; });
        var alpha = new Dictionary<string, double[]> { [Nb201Supernet.WeightsName] = Enumerable.Range(0, 30).Select(i => i % 5 == 3 ? 1.0 : 0.0).ToArray() };
        var chosen = Nb201.DeriveFeasible(alpha, feasibility);
        Assert.That(chosen, Does.Not.Contain("nor_conv_3x3"));
        Assert.That(measured.Select(m => Nb201.Cost(m).Params), Is.All.LessThanOrEqualTo(200_000));
        Assert.That(measured, Is.Unique);
    }

    [Test]
    public void Nb201RefusesALatencyTheCheapestCellCannotMeetNamingItsLatency()
    {
        var feasibility = new Feasibility(CostBudget.Parse(["latency_ms<=0.25"]), Nb201.Cost, _ => 0.75);
        var e = Assert.Throws<NasiException>(() => Nb201.CheckFeasible(feasibility))!;
        Assert.That(e.Message, Does.Contain("latency_ms<=0.25").And.Contain("takes 0.75 ms").And.Contain(Nb201.Cheapest));
    }

    [Test]
    public void DartsCostsAddUpOverThePairsToTheBuiltNetworksCounts()
    {
        var space = new DartsSearchSpace();
        foreach (var genotype in new[] { DartsPresets.DartsV2, DartsPresets.PcDarts, DartsPresets.PDarts })
            Assert.That(space.Cost(genotype.ToString()), Is.EqualTo(space.EdgeCosts.Count(genotype)), genotype.ToString());
    }

    [Test]
    public void DartsDerivesAFeasibleGenotypeUnderRandomBudgets()
    {
        var space = new DartsSearchSpace();
        var rng = new Rng(7);
        var least = space.Cost(space.Cheapest);
        var most = space.Cost(DartsPresets.DartsV2.ToString());
        for (var trial = 0; trial < 12; trial++)
        {
            var alpha = new Dictionary<string, double[]>
            {
                [DartsSupernet.NormalWeightsName] = Enumerable.Range(0, 112).Select(_ => rng.NextGaussian()).ToArray(),
                [DartsSupernet.ReduceWeightsName] = Enumerable.Range(0, 112).Select(_ => rng.NextGaussian()).ToArray(),
            };
            var budget = new CostBudget([
                new CostConstraint(CostKind.Params, rng.Uniform(least.Params, most.Params)),
                new CostConstraint(CostKind.Flops, rng.Uniform(least.Flops, most.Flops * 1.5)),
            ]);
            var chosen = space.DeriveFeasible(alpha, new Feasibility(budget, space.Cost));
            Assert.That(budget.IsMetBy(space.Cost(chosen)), Is.True, $"trial {trial}: {chosen} breaks {budget}: {string.Join("; ", budget.Violations(space.Cost(chosen)))}");
            var unconstrained = space.Derive(alpha);
            if (budget.IsMetBy(space.Cost(unconstrained))) Assert.That(chosen, Is.EqualTo(unconstrained), "a derivation that fits is kept");
        }
        var e = Assert.Throws<NasiException>(() => space.DeriveFeasible(
            new Dictionary<string, double[]> { [DartsSupernet.NormalWeightsName] = new double[112], [DartsSupernet.ReduceWeightsName] = new double[112] },
            new Feasibility(CostBudget.Parse([$"flops<={least.Flops - 1}"]), space.Cost)))!;
        Assert.That(e.Message, Does.Contain($"the smallest flops in the space is {least.Flops}"));
    }
}
