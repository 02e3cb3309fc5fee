using NasiOnnx.Engine.Graphs;
using NasiOnnx.Engine.Proxies;
using NasiOnnx.Engine.Ranking;
using NasiOnnx.Engine.Runtime;
using NasiOnnx.Engine.Scoring;
using NasiOnnx.Tests.Scoring;
using Onnx;

namespace NasiOnnx.Tests.Proxies;

/// <summary>A model without what a proxy reads gets n/a with the reason in its row, never a number.</summary>
public class MissingInputsTests
{
    private static readonly ScoringOptions Options = new()
    {
        BatchSize = 4,
        Runtime = new RuntimeOptions { Provider = ExecutionProvider.Cpu, IntraOpThreads = 1 },
        Metrics = Metric.ParseList("all"),
    };

    /// <summary>x [b, 3, 4, 4] → Conv 3×3 → Sigmoid → Flatten → Gemm: no ReLU, no global pooling.</summary>
    private static ModelProto NoReluNoPool()
    {
        var g = GraphBuilder.Create("sigmoid_net");
        var x = g.Input("x", ElementType.Float, GraphBuilder.SymbolicBatch, 3, 4, 4);
        var w = g.Initializer("conv/W", Enumerable.Range(0, 2 * 3 * 9).Select(i => (float)Math.Sin(i) * 0.3f).ToArray(), 2, 3, 3, 3);
        var c = g.Node("Conv", [x, w], Attr.Ints("pads", 1, 1, 1, 1));
        var f = g.Node("Flatten", [g.Node("Sigmoid", [c])], Attr.Int("axis", 1));
        var fc = g.Initializer("fc/W", Enumerable.Range(0, 5 * 32).Select(i => (float)Math.Cos(i) * 0.2f).ToArray(), 5, 32);
        var b = g.Initializer("fc/b", new float[5], 5);
        g.AddNode("Gemm", "fc", [f, fc, b], ["logits"], Attr.Int("transB", 1));
        g.Output("logits", ElementType.Float, [GraphBuilder.SymbolicBatch, 5]);
        return g.Model;
    }

    [Test]
    public void ProxiesThatReadReluOrPoolingAreNaWithTheirReasonTheOthersComeOut()
    {
        using var scorer = new ModelScorer(Options);
        var row = scorer.Score(new Candidate("sigmoid_net", NoReluNoPool), CancellationToken.None);
        Assert.That(row.Status, Does.StartWith("partial: "));
        Assert.That(row.Status, Does.Contain("nwot: the model has no Relu node"));
        Assert.That(row.Status, Does.Contain("swap: the model has no Relu on a 4-D value"));
        Assert.That(row.Status, Does.Contain("zen: the model has no global average pool"));
        foreach (var m in new[] { "nwot", "swap", "zen" }) Assert.That(row.Metric(m), Is.NaN, m);
        foreach (var m in new[] { "nasi", "params", "flops", "grad_norm", "snip", "zico", "synflow", "meco", "jacob_cov", "fisher", "grasp" })
            Assert.That(double.IsFinite(row.Metric(m)), Is.True, $"{m} = {row.Metric(m)}");
        Assert.That(row.Metric("params"), Is.EqualTo(2 * 27 + 5 * 32 + 5));
        Assert.That(row.Metric("flops"), Is.EqualTo(2 * 16 * 27 + 5 * 32));
    }

    [Test]
    public void AnOpWithoutAGradientRuleLeavesTheGradientProxiesNaAndTheForwardOnesComputed()
    {
        using var scorer = new ModelScorer(Options);
        var row = scorer.Score(new Candidate("cos_net", ScoringTestModels.WithoutGradientRule), CancellationToken.None);
        foreach (var m in new[] { "nasi", "grad_norm", "snip", "zico", "synflow", "jacob_cov", "fisher", "grasp" })
        {
            Assert.That(row.Metric(m), Is.NaN, m);
            Assert.That(row.Status, Does.Contain($"{m}: ").And.Contain("Cos"), m);
        }
        Assert.That(row.Metric("params"), Is.EqualTo(1920));
        Assert.That(row.Metric("flops"), Is.EqualTo(1920));
    }

    [Test]
    public void ExposingActivationsChangesNoValueTheModelComputes()
    {
        var model = Nb201TinyModel();
        var taps = new ActivationTaps(model);
        foreach (var n in model.Graph.Node.Where(n => n.OpType == "Relu")) taps.Whole(n.Input[0]);
        Assert.That(taps.Model.Graph.Output.Count, Is.GreaterThan(model.Graph.Output.Count));
        Assert.That(model.Graph.Output, Has.Count.EqualTo(1), "the original is untouched");
        var x = new Tensor(Enumerable.Range(0, 4 * 3 * 8 * 8).Select(i => (float)Math.Sin(i)).ToArray(), [4, 3, 8, 8]);
        var runtime = new RuntimeOptions { Provider = ExecutionProvider.Cpu, IntraOpThreads = 1 };
        using var plain = SessionFactory.Create(model, runtime);
        using var tapped = SessionFactory.Create(taps.Model, runtime);
        var feeds = new Dictionary<string, Tensor> { ["input"] = x };
        Assert.That(tapped.Run(feeds, null, ["logits"])[0].Data, Is.EqualTo(plain.Run(feeds, null, ["logits"])[0].Data));
    }

    private static ModelProto Nb201TinyModel() =>
        NasiOnnx.Models.Nb201.Nb201Network.Build(NasiOnnx.Models.Nb201.Nb201Cell.Parse(Api.TinyApi.Cell), Api.TinyApi.Nb201);
}
