using NasiOnnx.Engine.Graphs;
using NasiOnnx.Engine.Runtime;
using NasiOnnx.Engine.Scoring;
using NasiOnnx.Models.Api;

namespace NasiOnnx.Tests.Scoring;

/// <summary>
/// An exporter's final Softmax or LogSoftmax: the loss must not apply softmax twice, so the model scores as the
/// same model without it, and the row says so.
/// </summary>
public class FinalSoftmaxTests
{
    private static readonly ScoringOptions Options = new()
    {
        Metrics = [Metric.Nasi, Metric.Ntk],
        BatchSize = 4,
        Seed = 5,
        Ntk = new() { Probes = 4, Workers = 1 },
        Runtime = new RuntimeOptions { Provider = ExecutionProvider.Cpu, IntraOpThreads = 1 },
    };

    private static ModelScore Score(ExportedModel export) =>
        Nasi.Score(ModelSource.Model(export.Build(), $"{export.Final}-opset{export.Opset}"), Options);

    [TestCase(ExportedModel.FinalOp.Softmax, 17)]
    [TestCase(ExportedModel.FinalOp.LogSoftmax, 17)]
    [TestCase(ExportedModel.FinalOp.Softmax, 11)]
    [TestCase(ExportedModel.FinalOp.Softmax, 9)]
    public void AFinalSoftmaxIsScoredAsTheSameModelWithoutIt(ExportedModel.FinalOp final, long opset)
    {
        var plain = Score(new ExportedModel { Batch = 0, Opset = opset });
        var ending = Score(new ExportedModel { Batch = 0, Opset = opset, Final = final });
        Assert.That(ending.Nasi!.Score, Is.EqualTo(plain.Nasi!.Score), "S of the logits, not of the probabilities");
        Assert.That(ending.Nasi.Loss, Is.EqualTo(plain.Nasi.Loss));
        Assert.That(ending.Ntk!.Trace, Is.EqualTo(plain.Ntk!.Trace), "the NTK of the logits");
        Assert.That(ending.Notes, Has.One.Contains($"before the final {final}"));
        Assert.That(plain.Notes, Is.Empty);
        // Scored on the probabilities instead (the loss applying softmax a second time), S would differ.
        Assert.That(plain.Nasi.Loss, Is.Not.EqualTo(Math.Log(10)).Within(1e-3), "the logits are not flat, so the difference would show");
    }

    [Test]
    public void ASoftmaxOverAnotherAxisIsNotTheClassifiersEnding()
    {
        var model = new ExportedModel { Batch = 0 }.Build();
        var g = GraphBuilder.Extend(model);
        var logits = model.Graph.Output[0].Name;
        var mixed = g.Node("Softmax", [logits], Attr.Int("axis", 0));
        model.Graph.Output[0].Name = mixed;
        Assert.That(FinalSoftmax.Remove(model), Is.Null);
        Assert.That(model.Graph.Output[0].Name, Is.EqualTo(mixed));
    }

    [Test]
    public void TheRemovedSoftmaxLeavesNoNodeBehind()
    {
        var model = new ExportedModel { Batch = 0, Final = ExportedModel.FinalOp.Softmax }.Build();
        var nodes = model.Graph.Node.Count;
        Assert.That(FinalSoftmax.Remove(model), Does.Contain("Softmax"));
        Assert.That(model.Graph.Node, Has.Count.EqualTo(nodes - 1));
        Assert.That(model.Graph.Node.Last().OpType, Is.EqualTo("Gemm"));
        Assert.That(model.Graph.Output[0].Name, Is.EqualTo(model.Graph.Node.Last().Output[0]));
    }
}
