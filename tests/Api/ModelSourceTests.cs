using NasiOnnx.Engine;
using NasiOnnx.Engine.Graphs;
using NasiOnnx.Models.Api;
using NasiOnnx.Models.Darts;
using NasiOnnx.Models.Nb201;

namespace NasiOnnx.Tests.Api;

public class ModelSourceTests
{
    private string _dir = "";

    [SetUp] public void SetUp() => _dir = Directory.CreateTempSubdirectory("nasi-api").FullName;
    [TearDown] public void TearDown() => Directory.Delete(_dir, true);

    private static Onnx.ModelProto TinyCell() => ModelSource.Nb201(TinyApi.Cell, TinyApi.Nb201).Load();

    [Test]
    public void EveryKindOfSourceOfTheSameNetworkGivesTheSameScore()
    {
        var path = Path.Combine(_dir, "cell.onnx");
        ModelFile.Save(TinyCell(), path);
        var sources = new[]
        {
            ModelSource.Nb201(TinyApi.Cell, TinyApi.Nb201),
            ModelSource.Nb201(Nb201Cell.Parse(TinyApi.Cell), TinyApi.Nb201),
            ModelSource.File(path),
            ModelSource.Bytes(ModelFile.ToBytes(TinyCell()), "cell bytes"),
            ModelSource.Model(TinyCell(), "cell proto"),
        };
        var scores = sources.Select(s => Nasi.Score(s, TinyApi.Scoring)).ToList();

        Assert.That(scores[0].Nasi!.Score, Is.GreaterThan(0).And.Not.NaN);
        Assert.That(scores[0].Model, Is.EqualTo(TinyApi.Cell));
        Assert.That(scores[2].Model, Is.EqualTo(path));
        Assert.That(scores[3].Model, Is.EqualTo("cell bytes"));
        Assert.That(scores[4].Model, Is.EqualTo("cell proto"));
        foreach (var s in scores.Skip(1))
        {
            Assert.That(s.Nasi!.Score, Is.EqualTo(scores[0].Nasi!.Score), s.Model);
            Assert.That(s.Parameters, Is.EqualTo(scores[0].Parameters), s.Model);
            Assert.That(s.InputShape, Is.EqualTo(new long[] { 4, 3, 8, 8 }), s.Model);
        }
    }

    [Test]
    public void ADartsPresetScores()
    {
        var score = Nasi.Score(ModelSource.Darts("darts-v2", TinyApi.Darts), TinyApi.Scoring);
        Assert.That(score.Model, Is.EqualTo(DartsPresets.DartsV2.ToString()));
        Assert.That(score.Nasi!.Score, Is.GreaterThan(0).And.Not.NaN);
        Assert.That(score.InputShape, Is.EqualTo(new long[] { 4, 3, 8, 8 }));
    }

    [Test]
    public void TheModelProtoOfASourceIsNotChangedByScoring()
    {
        var model = TinyCell();
        var before = ModelFile.ToBytes(model);
        Nasi.Score(ModelSource.Model(model), TinyApi.Scoring);
        Assert.That(ModelFile.ToBytes(model), Is.EqualTo(before));
    }

    [Test]
    public void ABadCellStringIsAFormatErrorNamingTheString()
    {
        const string bad = "|nor_conv_3x3~0|+|bogus_op~0|nor_conv_1x1~1|+|avg_pool_3x3~0|none~1|nor_conv_3x3~2|";
        var e = Assert.Throws<Nb201CellFormatException>(() => ModelSource.Nb201(bad, TinyApi.Nb201));
        Assert.That(e!.Message, Does.Contain(bad));
        Assert.That(e, Is.InstanceOf<NasiException>());
    }

    [Test]
    public void ABadDartsGenotypeIsAFormatError() =>
        Assert.Throws<DartsGenotypeFormatException>(() => ModelSource.Darts("Genotype(normal=[('sep_conv_3x3', 0)]", TinyApi.Darts));

    [Test]
    public async Task AFileThatIsNotAModelIsALoadErrorNamingTheFile()
    {
        var path = Path.Combine(_dir, "junk.onnx");
        File.WriteAllBytes(path, [1, 2, 3, 4, 5, 6, 7, 8]);
        var e = await Assert.ThrowsAsync<ModelLoadException>(() => Nasi.ScoreAsync(ModelSource.File(path), TinyApi.Scoring));
        Assert.That(e!.Message, Does.Contain(path));
    }

    [Test]
    public void AFileGivenByARelativePathKeepsItsLoadErrorType()
    {
        var path = Path.Combine(_dir, "junk.onnx");
        File.WriteAllText(path, "not a model");
        var relative = Path.GetRelativePath(Environment.CurrentDirectory, path);
        var e = Assert.Throws<ModelLoadException>(() => Nasi.Score(ModelSource.File(relative), TinyApi.Scoring));
        Assert.That(e!.Message, Does.StartWith(path + ": "), "the source's id is the full path; the message names it once");
    }

    [Test]
    public void AGraphErrorStaysAGraphExceptionWhenTheModelsNameIsAdded()
    {
        // Regression: naming the model used to turn every error into a plain NasiException.
        var model = ModelSource.Model(Scoring.ScoringTestModels.WithoutGradientRule(), "cos net");
        var e = Assert.Throws<GraphException>(() => Nasi.Score(model, TinyApi.Scoring));
        Assert.That(e!.Message, Does.StartWith("cos net: ").And.Contain("Cos"));
    }

    [Test]
    public void BytesThatAreNotAModelAreALoadErrorNamingTheSource()
    {
        var e = Assert.Throws<ModelLoadException>(() => Nasi.Score(ModelSource.Bytes([0xFF, 0xFF, 0xFF], "upload 7"), TinyApi.Scoring));
        Assert.That(e!.Message, Does.StartWith("upload 7: "));
    }
}
