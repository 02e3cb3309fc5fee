using NasiOnnx.Engine;
using NasiOnnx.Engine.Data;
using NasiOnnx.Engine.Graphs;
using NasiOnnx.Engine.Init;
using NasiOnnx.Models.Api;

namespace NasiOnnx.Tests.Api;

public class DataSourceTests
{
    private static readonly ModelSource Model = ModelSource.Nb201(TinyApi.Cell, TinyApi.Nb201);

    private static ArraySource Samples(long[] shape, int classes = 10, long[]? labels = null)
    {
        var t = Tensor.Zeros(shape);
        Rng.For(17, "caller data").FillGaussian(t.Data);
        return new ArraySource(t, labels, classes, labels is null ? LabelMode.Random : LabelMode.True, seed: 3, "my tensor");
    }

    [Test]
    public void ACallersTensorIsScoredAndNamedInTheReport()
    {
        var labels = new long[] { 0, 1, 2, 3, 4, 5, 6, 7 };
        var options = TinyApi.Scoring with { Data = new DataOptions { Source = Samples([8, 3, 8, 8], labels: labels) } };
        var score = Nasi.Score(Model, options);

        Assert.That(score.Data, Is.EqualTo("my tensor (8 samples)"));
        Assert.That(score.Labels, Is.EqualTo("true"));
        Assert.That(score.Nasi!.Score, Is.GreaterThan(0).And.Not.NaN);
        Assert.That(score.Nasi.Score, Is.Not.EqualTo(Nasi.Score(Model, TinyApi.Scoring).Nasi!.Score), "other data, other score");
        Assert.That(Nasi.Score(Model, options).Nasi!.Score, Is.EqualTo(score.Nasi.Score), "the same tensor gives the same score");
    }

    [Test]
    public void ASourceOfTheWrongSampleShapeIsRefusedNamingBothShapes()
    {
        var options = TinyApi.Scoring with { Data = new DataOptions { Source = Samples([8, 3, 16, 16]) } };
        var e = Assert.Throws<NasiException>(() => Nasi.Score(Model, options));
        Assert.That(e!.Message, Does.Contain("my tensor").And.Contain("[3,16,16]").And.Contain("[3,8,8]"));
    }

    [Test]
    public void ASourceWithTheWrongClassCountIsRefused()
    {
        var options = TinyApi.Scoring with { Data = new DataOptions { Source = Samples([8, 3, 8, 8], classes: 100) } };
        var e = Assert.Throws<NasiException>(() => Nasi.Score(Model, options));
        Assert.That(e!.Message, Does.Contain("100 classes").And.Contain("10 classes"));
    }
}
