using NasiOnnx.Engine;
using NasiOnnx.Engine.Graphs;
using NasiOnnx.Models.Darts;

namespace NasiOnnx.Tests.Models.Darts;

public class DartsNetworkTests
{
    [Test]
    public void SmallCifarNetworkRunsInOnnxRuntime()
    {
        var options = new DartsNetworkOptions { C = 8, Layers = 5, Seed = 3 };
        var model = DartsNetwork.BuildCifar(DartsPresets.DartsV2, options);
        Assert.That(model.Graph.Input.Select(i => i.Name), Is.EqualTo(new[] { DartsNetwork.InputName }));
        Assert.That(model.Graph.Output.Select(o => o.Name), Is.EqualTo(new[] { DartsNetwork.OutputName }));
        Assert.That(model.OpsetImport.Single().Version, Is.EqualTo(17));

        var logits = ModelRuns.Run(model, new Dictionary<string, Tensor> { ["input"] = ModelRuns.Gaussian(1, 2, 3, 32, 32) }, "logits")[0];
        Assert.That(logits.Shape, Is.EqualTo(new long[] { 2, 10 }));
        Assert.That(logits.Data, Has.All.Matches<float>(float.IsFinite));
        Assert.That(logits.Data.Distinct().Count(), Is.GreaterThan(1));
        Assert.That(ParameterSet.Of(model).Count, Is.EqualTo(DartsParameterCount.Cifar(DartsPresets.DartsV2, 8, 5, 10)));
    }

    public static IEnumerable<string> PresetNames => DartsPresets.ByName.Keys;

    [TestCaseSource(nameof(PresetNames))]
    public void EveryPresetBuildsAndRunsAtATinySize(string name)
    {
        var g = DartsPresets.ByName[name];
        var cifar = DartsNetwork.BuildCifar(g, new DartsNetworkOptions { C = 4, Layers = 3, InputSize = 8 });
        var imageNet = DartsNetwork.BuildImageNet(g, new DartsNetworkOptions { C = 4, Layers = 3, InputSize = 32, Classes = 7 });
        var a = ModelRuns.Run(cifar, new Dictionary<string, Tensor> { ["input"] = ModelRuns.Gaussian(2, 2, 3, 8, 8) }, "logits")[0];
        var b = ModelRuns.Run(imageNet, new Dictionary<string, Tensor> { ["input"] = ModelRuns.Gaussian(2, 2, 3, 32, 32) }, "logits")[0];
        Assert.That(a.Shape, Is.EqualTo(new long[] { 2, 10 }));
        Assert.That(b.Shape, Is.EqualTo(new long[] { 2, 7 }));
        Assert.That(a.Data.Concat(b.Data), Has.All.Matches<float>(float.IsFinite));
        Assert.That(ParameterSet.Of(imageNet).Count, Is.EqualTo(DartsParameterCount.ImageNet(g, 4, 3, 7)));
    }

    [Test]
    public void AuxiliaryHeadIsASecondOutput()
    {
        var model = DartsNetwork.BuildCifar(DartsPresets.PDarts, new DartsNetworkOptions { C = 8, Layers = 5, Auxiliary = true, Batch = 2 });
        Assert.That(model.Graph.Output.Select(o => o.Name), Is.EqualTo(new[] { "logits", "aux_logits" }));
        var outputs = ModelRuns.Run(model, new Dictionary<string, Tensor> { ["input"] = ModelRuns.Gaussian(4, 2, 3, 32, 32) }, "logits", "aux_logits");
        Assert.That(outputs.Select(o => o.Shape), Is.All.EqualTo(new long[] { 2, 10 }));
        Assert.That(outputs.SelectMany(o => o.Data), Has.All.Matches<float>(float.IsFinite));

        var imageNet = DartsNetwork.BuildImageNet(DartsPresets.DartsV2, new DartsNetworkOptions { C = 4, Layers = 3, InputSize = 224, Auxiliary = true });
        var aux = ModelRuns.Run(imageNet, new Dictionary<string, Tensor> { ["input"] = ModelRuns.Gaussian(4, 1, 3, 224, 224) }, "aux_logits")[0];
        Assert.That(aux.Shape, Is.EqualTo(new long[] { 1, 10 }));
    }

    [Test]
    public void OddSizesReduceToTheCeilingOfHalf()
    {
        // 9 → 5 → 3: FactorizedReduce (skip edges, preprocessing) and the strided ops must all agree on ⌈H/2⌉.
        var model = DartsNetwork.BuildCifar(DartsPresets.DartsV1, new DartsNetworkOptions { C = 4, Layers = 4, InputSize = 9 });
        var logits = ModelRuns.Run(model, new Dictionary<string, Tensor> { ["input"] = ModelRuns.Gaussian(5, 2, 3, 9, 9) }, "logits")[0];
        Assert.That(logits.Shape, Is.EqualTo(new long[] { 2, 10 }));
        Assert.That(logits.Data, Has.All.Matches<float>(float.IsFinite));
    }

    [Test]
    public void ReductionCellsSitAtAThirdAndTwoThirds()
    {
        Assert.That(Enumerable.Range(0, 20).Where(i => DartsNetwork.IsReduction(i, 20)), Is.EqualTo(new[] { 6, 13 }));
        Assert.That(Enumerable.Range(0, 14).Where(i => DartsNetwork.IsReduction(i, 14)), Is.EqualTo(new[] { 4, 9 }));
        Assert.That(Enumerable.Range(0, 8).Where(i => DartsNetwork.IsReduction(i, 8)), Is.EqualTo(new[] { 2, 5 }));
        Assert.That(DartsNetwork.AuxiliaryCell(20), Is.EqualTo(13));
    }

    [Test]
    public void SameSeedSameWeightsOtherSeedOtherWeights()
    {
        var o = new DartsNetworkOptions { C = 4, Layers = 3, Seed = 7 };
        var a = DartsNetwork.BuildCifar(DartsPresets.DartsV2, o);
        var b = DartsNetwork.BuildCifar(DartsPresets.DartsV2, o);
        var c = DartsNetwork.BuildCifar(DartsPresets.DartsV2, o with { Seed = 8 });
        const string w = "cell0/node2/op0/dw1/W";
        Assert.That(ModelRuns.Weights(a, w), Is.EqualTo(ModelRuns.Weights(b, w)));
        Assert.That(ModelRuns.Weights(a, w), Is.Not.EqualTo(ModelRuns.Weights(c, w)));
    }

    [Test]
    public void BadOptionsAreAllReportedAtOnce()
    {
        var ex = Assert.Throws<NasiException>(() =>
            DartsNetwork.BuildCifar(DartsPresets.DartsV2, new DartsNetworkOptions { C = 0, Layers = 0, Batch = 0 }))!;
        Assert.That(ex.Message, Does.Contain("C must be at least 1, got 0").And.Contain("Layers must be at least 1, got 0")
            .And.Contain("Batch must be at least 1"));
        ex = Assert.Throws<NasiException>(() => DartsNetwork.BuildImageNet(DartsPresets.DartsV2, DartsNetworkOptions.ImageNet with { C = 47 }))!;
        Assert.That(ex.Message, Does.Contain("C must be even for the ImageNet network").And.Contain("got 47"));
        ex = Assert.Throws<NasiException>(() =>
            DartsNetwork.BuildCifar(DartsPresets.DartsV2, new DartsNetworkOptions { C = 4, Layers = 5, InputSize = 16, Auxiliary = true }))!;
        Assert.That(ex.Message, Does.Contain("auxiliary head: its input is 4×4"));
    }
}
