using NasiOnnx.Engine;
using NasiOnnx.Engine.Runtime;
using NasiOnnx.Engine.Scoring;
using NasiOnnx.Models.Api;
using static NasiOnnx.Tests.Scoring.ExportedModel;

namespace NasiOnnx.Tests.Scoring;

/// <summary>
/// Exports with a fixed batch of 1 (torch.onnx.export with a batch-1 dummy input and no dynamic axes): relaxed
/// where the graph allows it, else scored per-sample; every route that applies gives the same S and NTK trace as
/// the same network exported with a symbolic batch.
/// </summary>
public class BatchRouteTests
{
    /// <summary>Relaxed and per-sample scores must agree to this (issue 14's target).</summary>
    private const double Agreement = 1e-5;

    private static ScoringOptions Options(BatchRoute? route = null) => new()
    {
        Metrics = [Metric.Nasi, Metric.Ntk],
        BatchSize = 6,
        Seed = 9,
        Route = route,
        Ntk = new() { Probes = 4, Workers = 1 },
        Runtime = new RuntimeOptions { Provider = ExecutionProvider.Cpu, IntraOpThreads = 1 },
    };

    private static ModelScore Score(ExportedModel export, BatchRoute? route = null) =>
        Nasi.Score(ModelSource.Model(export.Build(), $"{export.Flatten}-batch{export.Batch}"), Options(route));

    private static void AssertSame(ModelScore actual, ModelScore expected, string what)
    {
        Assert.That(actual.Nasi!.Score, Is.EqualTo(expected.Nasi!.Score).Within(Agreement * expected.Nasi.Score), $"S, {what}");
        Assert.That(actual.Nasi.Loss, Is.EqualTo(expected.Nasi.Loss).Within(Agreement * expected.Nasi.Loss), $"loss, {what}");
        Assert.That(actual.Ntk!.Trace, Is.EqualTo(expected.Ntk!.Trace).Within(Agreement * expected.Ntk.Trace), $"NTK trace, {what}");
        Assert.That(actual.InputShape, Is.EqualTo(expected.InputShape), what);
    }

    [TestCase(FlattenStyle.Flatten, 17)]
    [TestCase(FlattenStyle.ReshapeConstant, 17)]
    [TestCase(FlattenStyle.ShapeChain, 17)]
    [TestCase(FlattenStyle.ReshapeConstant, 9)]
    [TestCase(FlattenStyle.ShapeChain, 11)]
    public void AFixedBatchExportIsRelaxedAndEveryRouteGivesTheSameScore(FlattenStyle flatten, long opset)
    {
        var symbolic = Score(new ExportedModel { Batch = 0, Flatten = flatten, Opset = opset });
        var relaxed = Score(new ExportedModel { Batch = 1, Flatten = flatten, Opset = opset });
        var perSample = Score(new ExportedModel { Batch = 1, Flatten = flatten, Opset = opset }, BatchRoute.PerSample);
        var symbolicPerSample = Score(new ExportedModel { Batch = 0, Flatten = flatten, Opset = opset }, BatchRoute.PerSample);
        Assert.That(symbolic.Batch, Is.EqualTo("as-is"));
        Assert.That(relaxed.Batch, Is.EqualTo("relaxed"));
        Assert.That(perSample.Batch, Is.EqualTo("per-sample"));
        Assert.That(symbolicPerSample.Batch, Is.EqualTo("per-sample"));
        AssertSame(relaxed, symbolic, "relaxed vs as-is");
        AssertSame(perSample, relaxed, "per-sample vs relaxed");
        AssertSame(symbolicPerSample, symbolic, "per-sample vs as-is");
    }

    [Test]
    public void ABatchFoldedIntoTheFeaturesIsScoredPerSampleAndTheRowSaysWhy()
    {
        var folded = Score(new ExportedModel { Batch = 1, Flatten = FlattenStyle.FoldedBatch });
        Assert.That(folded.Batch, Is.EqualTo("per-sample"));
        Assert.That(folded.Notes, Has.One.StartsWith("not relaxed: ").And.Contain("Gemm"));
        AssertSame(folded, Score(new ExportedModel { Batch = 0 }), "the folded export is the same function, scored per-sample");
        var ex = Assert.Throws<GraphException>(() => Score(new ExportedModel { Batch = 1, Flatten = FlattenStyle.FoldedBatch }, BatchRoute.Relaxed));
        Assert.That(ex!.Message, Does.Contain("cannot be relaxed"));
    }

    [Test]
    public void BatchStatisticsAreRelaxedButNeverScoredPerSample()
    {
        var relaxed = Score(new ExportedModel { Batch = 1, Flatten = FlattenStyle.ReshapeConstant, BatchStatistics = true });
        var symbolic = Score(new ExportedModel { Batch = 0, BatchStatistics = true });
        Assert.That(relaxed.Batch, Is.EqualTo("relaxed"));
        AssertSame(relaxed, symbolic, "batch statistics over the whole batch, as the symbolic export computes them");
        var refused = Assert.Throws<GraphException>(() => Score(new ExportedModel { Batch = 1, Flatten = FlattenStyle.FoldedBatch, BatchStatistics = true }));
        Assert.That(refused!.Message, Does.Contain("fixed batch of 1").And.Contain("batch-statistics BatchNormalization").And.Contain("not relaxed"));
    }

    [Test]
    public void AFixedBatchOfFourIsRelaxedOrScoredInChunksOfFour()
    {
        ModelScore At(int batch, long fixedBatch, BatchRoute? route = null) => Nasi.Score(
            ModelSource.Model(new ExportedModel { Batch = fixedBatch, Flatten = FlattenStyle.ReshapeConstant }.Build(), $"fixed{fixedBatch}"),
            Options(route) with { BatchSize = batch });
        var symbolic = At(8, 0);
        AssertSame(At(8, 4), symbolic, "relaxed from 4 to 8");
        var chunks = At(8, 4, BatchRoute.PerSample);
        Assert.That(chunks.Batch, Is.EqualTo("per-sample"));
        AssertSame(chunks, symbolic, "two chunks of 4");
        Assert.That(At(4, 4).Batch, Is.EqualTo("as-is"));
        var ex = Assert.Throws<GraphException>(() => At(6, 4, BatchRoute.PerSample));
        Assert.That(ex!.Message, Does.Contain("multiple of 4"));
    }

    /// <summary>
    /// The proxies on the per-sample route: those read from NASI's gradient (grad_norm, snip) are the relaxed route's
    /// numbers; those needing another batch through the model (meco, nwot) are n/a with the reason, never wrong.
    /// </summary>
    [Test]
    public void PerSampleScoresTheGradientProxiesAndSaysWhyNotTheOthers()
    {
        var metrics = Metric.ParseList("nasi,grad_norm,snip,meco,params");
        ModelScore At(BatchRoute? route) => Nasi.Score(
            ModelSource.Model(new ExportedModel { Batch = 1, Flatten = FlattenStyle.ReshapeConstant }.Build(), "fixed1"),
            Options(route) with { Metrics = metrics });
        var relaxed = At(null);
        var perSample = At(BatchRoute.PerSample);
        Assert.That(relaxed.Batch, Is.EqualTo("relaxed"));
        Assert.That(perSample.Batch, Is.EqualTo("per-sample"));
        Assert.That(perSample.Nasi!.Score, Is.EqualTo(relaxed.Nasi!.Score).Within(Agreement * relaxed.Nasi.Score));
        foreach (var m in new[] { "grad_norm", "snip" })
            Assert.That(perSample.Metrics![m], Is.EqualTo(relaxed.Metrics![m]).Within(Agreement * Math.Abs(relaxed.Metrics[m])), m);
        Assert.That(perSample.Metrics!["params"], Is.EqualTo(relaxed.Metrics!["params"]));
        Assert.That(double.IsNaN(perSample.Metrics["meco"]), "meco needs a batch the model cannot take");
        Assert.That(double.IsFinite(relaxed.Metrics["meco"]));
        Assert.That(perSample.Unavailable, Has.One.StartsWith("meco: ").And.Contain("fixed at 1"));
    }

    [Test]
    public void EachRowOfAFolderSaysItsRoute()
    {
        var dir = Directory.CreateTempSubdirectory("nasi-routes").FullName;
        try
        {
            Engine.Graphs.ModelFile.Save(new ExportedModel { Batch = 0 }.Build(), Path.Combine(dir, "dynamic.onnx"));
            Engine.Graphs.ModelFile.Save(new ExportedModel { Batch = 1, Flatten = FlattenStyle.ReshapeConstant, Final = FinalOp.Softmax }.Build(), Path.Combine(dir, "traced.onnx"));
            Engine.Graphs.ModelFile.Save(new ExportedModel { Batch = 1, Flatten = FlattenStyle.FoldedBatch }.Build(), Path.Combine(dir, "folded.onnx"));
            var csv = Path.Combine(dir, "scores.csv");
            var r = Tools.Cli.Run("score", dir, "--batch", "4", "--out", csv);
            Assert.That(r.ExitCode, Is.EqualTo(0), r.Err);
            var rows = Engine.Ranking.ResultLog.Read(csv).Rows.ToDictionary(x => Path.GetFileName(x.Id));
            Assert.That(rows["dynamic.onnx"].Route, Is.EqualTo("as-is"));
            Assert.That(rows["traced.onnx"].Route, Is.EqualTo("relaxed"));
            Assert.That(rows["traced.onnx"].Notes, Does.Contain("final Softmax"));
            Assert.That(rows["folded.onnx"].Route, Is.EqualTo("per-sample"));
            Assert.That(rows["folded.onnx"].Notes, Does.StartWith("not relaxed: "));
            var s = rows.Values.Select(x => x.Metric("nasi")).ToList();
            Assert.That(s.Max() - s.Min(), Is.LessThanOrEqualTo(Agreement * s.Max()), "one network three ways: one score");
            Assert.That(File.ReadLines(csv).First(), Does.Contain(",batch,notes"));
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
