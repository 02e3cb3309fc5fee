using NasiOnnx.Engine.Graphs;
using NasiOnnx.Engine.Ranking;
using NasiOnnx.Models.Nb201;
using NasiOnnx.Tests.Tools;

namespace NasiOnnx.Tests.Scoring;

public class BatchScoringTests
{
    private string _dir = "";

    [SetUp] public void SetUp() => _dir = Directory.CreateTempSubdirectory("nasi-batch").FullName;
    [TearDown] public void TearDown() => Directory.Delete(_dir, true);

    [Test]
    public void AFolderIsScoredRowByRowAndBadModelsBecomeErrorRows()
    {
        var models = Path.Combine(_dir, "models");
        Directory.CreateDirectory(models);
        ScoringTestModels.WriteNb201(models);
        ModelFile.Save(ScoringTestModels.WithoutGradientRule(), Path.Combine(models, "cos.onnx"));
        File.WriteAllBytes(Path.Combine(models, "broken.onnx"), [0x0a, 0x05, 0x01]);
        var csv = Path.Combine(_dir, "scores.csv");

        var r = Cli.Run("score", models, "--metric", "nasi,ntk", "--probes", "4", "--batch", "4", "--out", csv);
        Assert.That(r.ExitCode, Is.EqualTo(0), r.Err);
        var (metrics, rows) = ResultLog.Read(csv);
        Assert.That(metrics, Is.EqualTo(new[] { "nasi", "loss", "ntk", "ntk_se" }));
        Assert.That(rows, Has.Count.EqualTo(5));
        var byName = rows.ToDictionary(x => Path.GetFileName(x.Id));
        foreach (var m in new[] { "m0.onnx", "m1.onnx", "m2.onnx" })
        {
            Assert.That(byName[m].Status, Is.EqualTo("ok"), m);
            Assert.That(byName[m].Metric("nasi"), Is.GreaterThan(0), m);
            Assert.That(byName[m].Metric("ntk"), Is.GreaterThan(0), m);
            Assert.That(byName[m].InputShape, Is.EqualTo("4x3x8x8"));
        }
        Assert.That(byName["broken.onnx"].Status, Does.StartWith("error: ").And.Contain("broken.onnx"));
        var cos = byName["cos.onnx"];
        Assert.That(cos.Status, Does.StartWith("partial: nasi: ").And.Contain("Cos"), "the row says why NASI is missing");
        Assert.That(cos.Metric("nasi"), Is.NaN);
        Assert.That(cos.Metric("ntk"), Is.GreaterThan(0), "forward-only metrics still come out");
        Assert.That(cos.Parameters, Is.EqualTo(1920), "weights in Constant nodes count as parameters");
        Assert.That(r.Out, Does.Contain("5 candidates: 4 scored, 1 partially, 1 failed"));
    }

    [Test]
    public void ShardsMergeIntoTheSameRanking()
    {
        var models = Path.Combine(_dir, "models");
        Directory.CreateDirectory(models);
        ScoringTestModels.WriteNb201(models);
        var full = Path.Combine(_dir, "full.csv");
        Assert.That(Cli.Run("score", models, "--batch", "4", "--out", full).ExitCode, Is.EqualTo(0));
        var shards = new List<string>();
        for (var k = 1; k <= 2; k++)
        {
            var path = Path.Combine(_dir, $"shard{k}.jsonl");
            var run = Cli.Run("score", models, "--batch", "4", "--shard", $"{k}/2", "--out", path);
            Assert.That(run.ExitCode, Is.EqualTo(0), run.Err);
            shards.Add(path);
        }
        Assert.That(ResultLog.Read(shards[0]).Rows.Count + ResultLog.Read(shards[1]).Rows.Count, Is.EqualTo(3));
        var merged = Path.Combine(_dir, "merged.csv");
        var m = Cli.Run(["merge", .. shards, "--out", merged]);
        Assert.That(m.ExitCode, Is.EqualTo(0), m.Err);
        var expected = ResultLog.Read(full).Rows.ToDictionary(x => x.Id, x => x.Metric("nasi"));
        var actual = ResultLog.Read(merged).Rows.ToDictionary(x => x.Id, x => x.Metric("nasi"));
        Assert.That(actual, Is.EquivalentTo(expected), "same seed, same inputs → same scores, whichever shard ran them");
    }

    [Test]
    public void LimitsRefuseModelsBeforeScoringThem()
    {
        var models = Path.Combine(_dir, "models");
        Directory.CreateDirectory(models);
        ScoringTestModels.WriteNb201(models);
        var r = Cli.Run("score", models, "--batch", "4", "--max-params", "12000", "--json");
        Assert.That(r.ExitCode, Is.EqualTo(0), r.Err);
        Assert.That(r.Out, Does.Contain("17,998 parameters exceed --max-params 12,000"));
        Assert.That(System.Text.Json.JsonDocument.Parse(r.Out).RootElement.GetArrayLength(), Is.EqualTo(3));
        // m2 at batch 64 holds about 6 MiB of activations (twice, for the backward pass): over 1 MiB, under 100.
        var m = Cli.Run("score", Path.Combine(models, "m2.onnx"), "--batch", "64", "--max-memory", "1", "--out", Path.Combine(_dir, "x.csv"));
        Assert.That(m.ExitCode, Is.EqualTo(2), "nothing was scored");
        Assert.That(ResultLog.Read(Path.Combine(_dir, "x.csv")).Rows.Single().Status, Does.Contain("more than --max-memory 1 MiB"));
        var single = Cli.Run("score", Path.Combine(models, "m2.onnx"), "--batch", "64", "--max-memory", "1");
        Assert.That(single.ExitCode, Is.EqualTo(2));
        Assert.That(single.Err, Does.Contain("more than --max-memory 1 MiB"));
        var fits = Cli.Run("score", Path.Combine(models, "m2.onnx"), "--batch", "64", "--max-memory", "100");
        Assert.That(fits.ExitCode, Is.EqualTo(0), fits.Err);
    }

    [Test]
    public void SymbolicSampleDimensionsNeedAnInputShape()
    {
        var model = ScoringTestModels.WithoutGradientRule();
        model.Graph.Input[0].Type.TensorType.Shape.Dim[2].ClearDimValue();
        model.Graph.Input[0].Type.TensorType.Shape.Dim[2].DimParam = "height";
        var path = Path.Combine(_dir, "sym.onnx");
        ModelFile.Save(model, path);
        var r = Cli.Run("score", path, "--metric", "ntk", "--probes", "4", "--batch", "2");
        Assert.That(r.ExitCode, Is.EqualTo(2));
        Assert.That(r.Err, Does.Contain("symbolic ('height')").And.Contain("--input-shape"));
        var ok = Cli.Run("score", path, "--metric", "ntk", "--probes", "4", "--batch", "2", "--input-shape", "3,8,8");
        Assert.That(ok.ExitCode, Is.EqualTo(0), ok.Err);
    }

    [Test]
    public void InferenceModeExportsCanBeSwitchedToBatchStatistics()
    {
        var paths = ScoringTestModels.WriteNb201(_dir, Engine.Graphs.BatchNormMode.Inference);
        var asIs = Cli.Run("score", paths[0], "--batch", "4", "--json");
        var train = Cli.Run("score", paths[0], "--batch", "4", "--json", "--bn", "train");
        Assert.That(asIs.ExitCode, Is.EqualTo(0), asIs.Err);
        Assert.That(train.ExitCode, Is.EqualTo(0), train.Err);
        double S(Cli.Result r) => System.Text.Json.JsonDocument.Parse(r.Out).RootElement.GetProperty("nasi").GetProperty("score").GetDouble();
        // The same network built with batch statistics from the start.
        ModelFile.Save(Nb201Network.Build(Nb201Cell.Parse(ScoringTestModels.Cells[0]), ScoringTestModels.Small with { Seed = 0 }), Path.Combine(_dir, "t.onnx"));
        var trained = Cli.Run("score", Path.Combine(_dir, "t.onnx"), "--batch", "4", "--json");
        Assert.That(S(train), Is.EqualTo(S(trained)).Within(1e-4 * S(trained)), "--bn train gives the batch-statistics network's score");
        Assert.That(S(asIs), Is.Not.EqualTo(S(train)).Within(1e-3 * S(train)));
    }
}
