using NasiOnnx.Engine.Ranking;
using NasiOnnx.Models.Api;

namespace NasiOnnx.Tests.Api;

public class RankResumeTests
{
    private string _dir = "";

    [SetUp] public void SetUp() => _dir = Directory.CreateTempSubdirectory("nasi-api-rank").FullName;
    [TearDown] public void TearDown() => Directory.Delete(_dir, true);

    private sealed class Recorder : IProgress<RankingProgress>
    {
        public List<RankingProgress> Reports { get; } = [];
        public void Report(RankingProgress value) { lock (Reports) Reports.Add(value); }

        /// <summary>Reports that carry a finished row: one per model actually scored.</summary>
        public List<string> Scored => Reports.Where(r => r.Last is not null).Select(r => r.Last!.Id).ToList();
    }

    private static ModelSource Cell(string cell) => ModelSource.Nb201(cell, TinyApi.Nb201);

    [TestCase("rank.csv")]
    [TestCase("rank.jsonl")]
    public async Task ASecondCallWithMoreModelsScoresOnlyTheNewOnes(string file)
    {
        var path = Path.Combine(_dir, file);
        var junk = Path.Combine(_dir, "junk.onnx");
        File.WriteAllText(junk, "not a model");
        var first = new[]
        {
            Cell(TinyApi.Cell),
            Cell("|nor_conv_1x1~0|+|avg_pool_3x3~0|skip_connect~1|+|nor_conv_1x1~0|nor_conv_3x3~1|skip_connect~2|"),
            ModelSource.File(junk),
        };
        var added = new[] { Cell("|skip_connect~0|+|nor_conv_3x3~0|none~1|+|nor_conv_1x1~0|avg_pool_3x3~1|nor_conv_3x3~2|") };
        var ranking = new RankingOptions { Workers = 2 };

        var progress1 = new Recorder();
        var rows1 = await Nasi.RankAsync(first, TinyApi.Scoring, ranking, path, progress1);
        var progress2 = new Recorder();
        var rows2 = await Nasi.RankAsync(first.Concat(added), TinyApi.Scoring, ranking, path, progress2);

        Assert.That(progress1.Scored, Is.EquivalentTo(first.Select(s => s.Id)));
        Assert.That(progress2.Scored, Is.EqualTo(new[] { added[0].Id }), "the rows of the first call are resumed, not scored again");
        Assert.That(progress2.Reports[^1].Resumed, Is.EqualTo(3));

        Assert.That(rows1, Has.Count.EqualTo(3));
        Assert.That(rows2.Select(r => r.Id), Is.EquivalentTo(first.Concat(added).Select(s => s.Id)));
        var error = rows2.Single(r => r.Id == junk);
        Assert.That(error.IsOk, Is.False);
        Assert.That(error.Status, Does.StartWith("error: ").And.Contain("not an ONNX model"));
        Assert.That(double.IsNaN(error.Metric("nasi")));

        // A resumed row is the row the first call wrote, read back from the file.
        var cell = rows2.Single(r => r.Id == TinyApi.Cell);
        Assert.That(cell.Metric("nasi"), Is.EqualTo(rows1.Single(r => r.Id == TinyApi.Cell).Metric("nasi")));
        Assert.That(cell.Metric("nasi"), Is.EqualTo(Nasi.Score(first[0], TinyApi.Scoring).Nasi!.Score));
        Assert.That(ResultLog.Read(path).Rows, Has.Count.EqualTo(4));
    }
}
