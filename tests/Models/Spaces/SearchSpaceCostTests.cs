using NasiOnnx.Engine;
using NasiOnnx.Engine.Autodiff;
using NasiOnnx.Engine.Costs;
using NasiOnnx.Engine.Evaluation;
using NasiOnnx.Engine.Graphs;
using NasiOnnx.Engine.Proxies;
using NasiOnnx.Models.Darts;
using NasiOnnx.Models.Nb201;
using NasiOnnx.Models.Spaces;

namespace NasiOnnx.Tests.Models.Spaces;

public class SearchSpaceCostTests
{
    private static readonly Nb201SearchSpace Nb201 = new();

    [Test]
    public void Nb201CostsAreTheCommittedScansCountsForEveryCellScored()
    {
        // docs/data/nb201_all_ensemble.csv's params and flops columns were counted on the built networks
        // (ParameterSet, FlopCount) by `nasi rank --all --unique`: an independent computation of the same two numbers.
        // Each row holds the values of the cell it was scored as (its isomorphism class's representative).
        var table = CsvTable.Read(Path.Combine(RepoPaths.Root, "docs", "data", "nb201_all_ensemble.csv"));
        int id = table.IndexOf("id"), p = table.IndexOf("params"), f = table.IndexOf("flops"), scoredAs = table.IndexOf("scored_as");
        var scored = table.Rows.Where(r => r[id] == r[scoredAs]).ToList();
        Assert.That(scored, Has.Count.EqualTo(4_930));
        var wrong = scored.Where(r => Nb201.Cost(r[id]) != new ArchitectureCost(long.Parse(r[p]), long.Parse(r[f])))
            .Select(r => $"{r[id]}: {Nb201.Cost(r[id])}, scanned {r[p]} / {r[f]}").Take(5).ToList();
        Assert.That(wrong, Is.Empty);
        // The dev sample's 1,000 cells were scored as they are, dead convolutions (on a zero node) included.
        var dev = CsvTable.Read(Path.Combine(RepoPaths.Root, "docs", "data", "nb201_dev_proxies.csv"));
        Assert.That(dev.Rows.Where(r => Nb201.Cost(r[0]) != new ArchitectureCost(long.Parse(r[dev.IndexOf("params")]), long.Parse(r[dev.IndexOf("flops")]))).Select(r => r[0]),
            Is.Empty);
    }

    [Test]
    public void TheNb201ClosedFormMacCountIsTheBuiltNetworksAtOtherSizes()
    {
        Nb201NetworkOptions[] sizes = [new() { C = 4, N = 1, InputSize = 8 }, new() { C = 3, N = 2, Classes = 7, InputChannels = 1, InputSize = 16 }];
        var all = Nb201Cell.All().ToArray();
        foreach (var options in sizes)
            for (var i = 0; i < 6; i++)
            {
                var cell = all[(i * 2_711 + 97) % all.Length];
                var model = Nb201Network.Build(cell, options);
                var shapes = StaticShapes.For(model, new Dictionary<string, long[]> { [Nb201Network.InputName] = [1, options.InputChannels, options.InputSize, options.InputSize] });
                Assert.That(Nb201Network.MacCount(cell, options), Is.EqualTo(FlopCount.Macs(model, shapes)), $"{cell} at {options}");
            }
    }

    [Test]
    public void TheCheapestNb201CellCostsNoMoreThanAnyOther()
    {
        var least = Nb201.Cost(Nb201.Cheapest);
        var costs = Nb201Cell.All().Select(Nb201.Cost).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(least, Is.EqualTo(new ArchitectureCost(73_306, 7_783_040)));
            Assert.That(costs.Min(c => c.Params), Is.EqualTo(least.Params));
            Assert.That(costs.Min(c => c.Flops), Is.EqualTo(least.Flops));
            Assert.That(Nb201Cell.Parse(Nb201.Cheapest).IsConnected, Is.True);
        });
    }

    [TestCase("params<=73305", "the smallest params in the space is 73306")]
    [TestCase("flops<=7783039", "the smallest flops in the space is 7783040")]
    public void ABudgetNoCellMeetsIsRefusedNamingTheSmallestCost(string constraint, string smallest)
    {
        var e = Assert.Throws<NasiException>(() => Nb201.CheckFeasible(CostBudget.Parse([constraint])))!;
        Assert.That(e.Message, Does.Contain(constraint).And.Contain(smallest).And.Contain(Nb201.Cheapest));
    }

    [Test]
    public void ABudgetTheCheapestCellMeetsExactlyIsAccepted() =>
        Assert.DoesNotThrow(() => Nb201.CheckFeasible(CostBudget.Parse(["params<=73306", "flops<=7783040", "latency_ms<=0"])));

    [Test]
    public void DartsCostsAreTheBuiltNetworksCountsAndThePresetsPublishedOne()
    {
        var space = new DartsSearchSpace();
        var v2 = space.Cost(DartsPresets.DartsV2.ToString());
        var cheapest = space.Cost(space.Cheapest);
        var model = space.BuildNetwork(space.Cheapest, seed: 3);
        var shapes = StaticShapes.For(model, new Dictionary<string, long[]> { [DartsNetwork.InputName] = [1, 3, 32, 32] });
        Assert.Multiple(() =>
        {
            Assert.That(v2.Params, Is.EqualTo(3_349_342), "DARTS-V2's published CIFAR-10 count");
            Assert.That(cheapest, Is.EqualTo(new ArchitectureCost(ParameterSet.Of(model).Count, FlopCount.Macs(model, shapes))));
            Assert.That(cheapest.Params, Is.LessThan(v2.Params));
            Assert.That(cheapest.Flops, Is.LessThan(v2.Flops));
            Assert.That(space.Cost(DartsPresets.DartsV2.ToString()), Is.EqualTo(v2), "the same sum on a second call");
        });
        var e = Assert.Throws<NasiException>(() => space.CheckFeasible(CostBudget.Parse([$"params<={cheapest.Params - 1}"])))!;
        Assert.That(e.Message, Does.Contain($"the smallest params in the space is {cheapest.Params}"));
    }
}
