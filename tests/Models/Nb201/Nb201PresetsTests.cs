using NasiOnnx.Engine.Graphs;
using NasiOnnx.Models.Nb201;

namespace NasiOnnx.Tests.Models.Nb201;

public class Nb201PresetsTests
{
    [TestCase("sample-best-c10", 13714, 1_073_466)]
    [TestCase("sample-best-in16", 4208, 643_386)]
    [TestCase("no-conv", 3, 73_306)]
    public void EachPresetIsItsSampleRowAndHasItsParameterCount(string name, int index, long parameters)
    {
        var cell = Nb201Presets.ByName[name];
        var row = Nb201Sample.Rows.Single(r => r.Index == index);
        Assert.That(cell.ToString(), Is.EqualTo(row.ArchStr));
        Assert.That(row.Parameters, Is.EqualTo(parameters));
        Assert.That(ParameterSet.Of(Nb201Network.Build(cell, new Nb201NetworkOptions())).Count, Is.EqualTo(parameters));
    }

    [Test]
    public void SampleBestsAreTheBestRowsOfTheSample()
    {
        Assert.That(Nb201Presets.SampleBestCifar10.ToString(), Is.EqualTo(Nb201Sample.Rows.MaxBy(r => r.Cifar10Test)!.ArchStr));
        Assert.That(Nb201Presets.SampleBestCifar10.ToString(), Is.EqualTo(Nb201Sample.Rows.MaxBy(r => r.Cifar100Test)!.ArchStr));
        Assert.That(Nb201Presets.SampleBestImageNet16.ToString(), Is.EqualTo(Nb201Sample.Rows.MaxBy(r => r.ImageNet16Test)!.ArchStr));
        Assert.That(Nb201Cell.Default, Is.EqualTo(Nb201Presets.SampleBestCifar10));
    }
}
