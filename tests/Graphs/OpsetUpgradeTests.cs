using NasiOnnx.Engine;
using NasiOnnx.Engine.Graphs;
using NasiOnnx.Engine.Init;
using NasiOnnx.Engine.Ranking;
using NasiOnnx.Engine.Runtime;
using NasiOnnx.Engine.Scoring;
using Onnx;

namespace NasiOnnx.Tests.Graphs;

public class OpsetUpgradeTests
{
    /// <summary>
    /// An opset-11 classifier with the ops whose meaning changed by 17: Softmax over a 4-D tensor (coerced to 2-D
    /// before 13), ReduceSum/Squeeze/Unsqueeze with axes attributes, Dropout with a ratio attribute, Clip with
    /// bounds as inputs already (11), and Split with sizes as an attribute.
    /// </summary>
    private static ModelProto Opset11Model()
    {
        var g = GraphBuilder.Create("legacy", opset: 11);
        var sampler = new WeightSampler(4);
        var x = g.Input("input", ElementType.Float, GraphBuilder.SymbolicBatch, 3, 6, 6);
        var a = g.Node("Conv", [x, g.Initializer("W", sampler.Weight("W", [4, 3, 3, 3]), 4, 3, 3, 3)], Attr.Ints("pads", 1, 1, 1, 1));
        var s = g.Node("Softmax", [a], Attr.Int("axis", 1));
        var b = g.Node("Mul", [a, g.Node("Dropout", [s], Attr.Float("ratio", 0.3f))]);
        var parts = g.NodeN("Split", [b], 2, Attr.Int("axis", 1), Attr.Ints("split", 1, 3));
        var r = g.Node("ReduceSum", [parts[1]], Attr.Ints("axes", 3), Attr.Int("keepdims", 1));
        var sq = g.Node("Unsqueeze", [g.Node("Squeeze", [r], Attr.Ints("axes", 3))], Attr.Ints("axes", 3));
        var c = g.Node("Add", [g.Node("Clip", [sq, g.FloatConstant("lo", [-1f]), g.FloatConstant("hi", [1f])]), g.Node("ReduceMean", [parts[0], ], Attr.Ints("axes", 3), Attr.Int("keepdims", 1))]);
        var f = g.Node("Flatten", [c], Attr.Int("axis", 1));
        var y = g.Node("Gemm", [f, g.Initializer("fc", sampler.Weight("fc", [5, 18]), 5, 18)], Attr.Int("transB", 1));
        g.Output(y, ElementType.Float, [GraphBuilder.SymbolicBatch, 5]);
        return g.Model;
    }

    [Test]
    public void UpgradedModelComputesTheSameLogitsAtOpset17()
    {
        var legacy = Opset11Model();
        var upgraded = legacy.Clone();
        Assert.That(OpsetUpgrade.ToOpset17(upgraded), Is.EqualTo(11));
        Assert.That(upgraded.OpsetImport.Single().Version, Is.EqualTo(17));
        var input = Tensor.Zeros(2, 3, 6, 6);
        new Rng(1).FillGaussian(input.Data);
        var cpu = new RuntimeOptions { Provider = ExecutionProvider.Cpu };
        float[] Run(ModelProto m)
        {
            using var session = SessionFactory.Create(m, cpu);
            return session.Run(new Dictionary<string, Tensor> { ["input"] = input }, null, [m.Graph.Output[0].Name])[0].Data;
        }
        var expected = Run(legacy);
        var actual = Run(upgraded);
        for (var i = 0; i < expected.Length; i++) Assert.That(actual[i], Is.EqualTo(expected[i]).Within(1e-5 * (1 + Math.Abs(expected[i]))), $"logit {i}");
    }

    [Test]
    public void AnOpset11ExportGetsANasiScore()
    {
        var dir = Directory.CreateTempSubdirectory("nasi-opset").FullName;
        try
        {
            var path = Path.Combine(dir, "legacy11.onnx");
            ModelFile.Save(Opset11Model(), path);
            using var scorer = new ModelScorer(new ScoringOptions { BatchSize = 4, Runtime = new() { Provider = ExecutionProvider.Cpu } });
            var row = scorer.Score(new Candidate(path, () => ModelFile.Load(path)), CancellationToken.None);
            Assert.That(row.Status, Is.EqualTo("ok"));
            Assert.That(row.Metric("nasi"), Is.GreaterThan(0));
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Test]
    public void AnOpWhoseChangeIsNotConvertedIsRefusedByName()
    {
        var g = GraphBuilder.Create("old_resize", opset: 9);
        var x = g.Input("input", ElementType.Float, 1, 3, 4, 4);
        var y = g.Node("Upsample", [x, g.FloatConstant("scales", [1, 1, 2, 0.5f], 4)]);
        g.Output(y, ElementType.Float, [1, 3, 8, 2]);
        var ex = Assert.Throws<GraphException>(() => OpsetUpgrade.ToOpset17(g.Model, "old.onnx"));
        Assert.That(ex!.Message, Does.StartWith("old.onnx: cannot upgrade Upsample node").And.Contain("opset 9").And.Contain("upsamples and downsamples"));
    }

    /// <summary>Upsample 7 (scales attribute) and 9, and Resize 10, as opset-13 Resize: the same outputs as ONNX
    /// Runtime gives for the legacy op, for nearest up- and downsampling and linear.</summary>
    [TestCase(7, "nearest", new[] { 1f, 1, 2, 3 })]
    [TestCase(9, "nearest", new[] { 1f, 1, 2.5f, 1.5f })]
    [TestCase(9, "linear", new[] { 1f, 1, 2, 1.5f })]
    [TestCase(10, "nearest", new[] { 1f, 1, 0.5f, 0.6f })]
    [TestCase(10, "linear", new[] { 1f, 1, 0.5f, 2.5f })]
    public void LegacyUpsamplingBecomesResizeWithTheSameOutputs(int opset, string mode, float[] scales)
    {
        var g = GraphBuilder.Create($"upsample{opset}", opset: opset);
        var x = g.Input("input", ElementType.Float, 2, 3, 5, 5);
        var op = opset == 10 ? "Resize" : "Upsample";
        var y = opset == 7
            ? g.Node(op, [x], Attr.Floats("scales", scales), Attr.String("mode", mode))
            : g.Node(op, [x, g.FloatConstant("scales", scales, 4)], Attr.String("mode", mode));
        g.Output(y, ElementType.Float);
        var upgraded = g.Model.Clone();
        Assert.That(OpsetUpgrade.ToOpset17(upgraded), Is.EqualTo(opset));
        Assert.That(upgraded.Graph.Node.Single(n => n.Output[0] == y).OpType, Is.EqualTo("Resize"));
        var input = Tensor.Zeros(2, 3, 5, 5);
        new Rng(3).FillGaussian(input.Data);
        var cpu = new RuntimeOptions { Provider = ExecutionProvider.Cpu };
        Tensor Run(ModelProto m)
        {
            using var session = SessionFactory.Create(m, cpu);
            return session.Run(new Dictionary<string, Tensor> { ["input"] = input }, null, [y])[0];
        }
        var (expected, actual) = (Run(g.Model), Run(upgraded));
        Assert.That(actual.Shape, Is.EqualTo(expected.Shape));
        Assert.That(actual.Data, Is.EqualTo(expected.Data).Within(1e-6));
    }

    /// <summary>An opset-18 classifier (torch 2.5+): ReduceMean with its axes as an input, Split with num_outputs.</summary>
    private static ModelProto Opset18Model()
    {
        var g = GraphBuilder.Create("new", opset: 18);
        var sampler = new WeightSampler(5);
        var x = g.Input("input", ElementType.Float, GraphBuilder.SymbolicBatch, 3, 6, 6);
        var a = g.Node("Relu", [g.Node("Conv", [x, g.Initializer("W", sampler.Weight("W", [4, 3, 3, 3]), 4, 3, 3, 3)], Attr.Ints("pads", 1, 1, 1, 1))]);
        var halves = g.NodeN("Split", [a], 2, Attr.Int("axis", 1), Attr.Int("num_outputs", 2));
        var mixed = g.Node("Mul", [halves[0], halves[1]]);
        var pooled = g.Node("ReduceMean", [mixed, g.Int64Constant("axes", 2, 3)], Attr.Int("keepdims", 0));
        var y = g.Node("Gemm", [pooled, g.Initializer("fc", sampler.Weight("fc", [5, 2]), 5, 2)], Attr.Int("transB", 1));
        g.Output(y, ElementType.Float, [GraphBuilder.SymbolicBatch, 5]);
        return g.Model;
    }

    [Test]
    public void AnOpset18ExportIsBroughtTo17WithTheSameLogitsAndScores()
    {
        var model = Opset18Model();
        var lowered = model.Clone();
        Assert.That(OpsetUpgrade.ToOpset17(lowered), Is.EqualTo(18));
        Assert.That(lowered.OpsetImport.Single().Version, Is.EqualTo(17));
        var input = Tensor.Zeros(2, 3, 6, 6);
        new Rng(2).FillGaussian(input.Data);
        var cpu = new RuntimeOptions { Provider = ExecutionProvider.Cpu };
        float[] Run(ModelProto m)
        {
            using var session = SessionFactory.Create(m, cpu);
            return session.Run(new Dictionary<string, Tensor> { ["input"] = input }, null, [m.Graph.Output[0].Name])[0].Data;
        }
        Assert.That(Run(lowered), Is.EqualTo(Run(model)).Within(1e-6));
        using var scorer = new ModelScorer(new ScoringOptions { BatchSize = 4, Runtime = new() { Provider = ExecutionProvider.Cpu } });
        var row = scorer.Score(new Candidate("new18", () => Opset18Model()), CancellationToken.None);
        Assert.That(row.Status, Is.EqualTo("ok"));
        Assert.That(row.Metric("nasi"), Is.GreaterThan(0));
    }

    [Test]
    public void AnOpset18OpThatOpset17LacksIsRefusedAndTheRowSaysWhyNasiIsMissing()
    {
        var model = Opset18Model();
        var relu = model.Graph.Node.First(n => n.OpType == "Relu");
        relu.OpType = "Gelu";
        model.OpsetImport.Single().Version = 20;
        var ex = Assert.Throws<GraphException>(() => OpsetUpgrade.ToOpset17(model.Clone(), "gelu.onnx"));
        Assert.That(ex!.Message, Does.StartWith("gelu.onnx: cannot upgrade Gelu node").And.Contain("opset 20"));
        using var scorer = new ModelScorer(new ScoringOptions { Metrics = [Metric.Nasi, Metric.Ntk], BatchSize = 2, Ntk = new() { Probes = 2, Workers = 1 },
            Runtime = new() { Provider = ExecutionProvider.Cpu } });
        var row = scorer.Score(new Candidate("gelu.onnx", () => model), CancellationToken.None);
        Assert.That(row.Status, Does.StartWith("partial: nasi"));
        Assert.That(row.Notes, Does.Contain("not brought to opset 17: cannot upgrade Gelu node"));
        Assert.That(row.Metric("ntk"), Is.GreaterThan(0));
    }
}
