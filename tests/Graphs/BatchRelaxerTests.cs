using NasiOnnx.Engine.Autodiff;
using NasiOnnx.Engine.Graphs;
using NasiOnnx.Engine.Init;
using NasiOnnx.Engine.Scoring;
using Onnx;

namespace NasiOnnx.Tests.Graphs;

/// <summary>
/// The batch relaxation on the patterns exporters write, each checked by running the relaxed model at batches 1–3
/// (<see cref="BatchProbe"/>: rows of distinct samples equal their batch-1 outputs), and on the graphs it must
/// refuse because they mix or drop the batch.
/// </summary>
public class BatchRelaxerTests
{
    private const int Classes = 5;

    /// <summary>A model on input [k, sample…] (k = -1: symbolic) whose logits are <paramref name="body"/>'s output through a Gemm.</summary>
    private static ModelProto Model(long k, long[] sample, Func<GraphBuilder, string, string> body, long opset = 17)
    {
        var g = GraphBuilder.Create("relax", opset);
        var x = g.Input("input", ElementType.Float, [k, .. sample]);
        var features = body(g, x);
        var shapes = StaticShapes.Probe(g.Model, new Dictionary<string, long[]> { ["input"] = [Math.Max(k, 1), .. sample] });
        var width = shapes.Shape(features)[^1];
        var w = new float[Classes * width];
        new Rng(3).FillGaussian(w, 0, 0.3);
        var bias = g.Initializer("fc.bias", new float[Classes], Classes); // Gemm needs its C before opset 11
        var logits = g.Node("Gemm", [features, g.Initializer("fc.weight", w, Classes, width), bias], Attr.Int("transB", 1));
        g.Output(logits, ElementType.Float, [k, Classes]);
        return g.Model;
    }

    private static BatchRelaxer.Result Relax(ModelProto model, long k, long[] sample)
    {
        var shapes = StaticShapes.Probe(model, new Dictionary<string, long[]> { ["input"] = [k, .. sample] });
        return BatchRelaxer.Relax(model, "input", k, n => shapes.Contains(n) ? shapes.Shape(n) : null);
    }

    private static BatchRelaxer.Result AssertRelaxes(ModelProto model, long k, long[] sample, int rewrites)
    {
        var result = Relax(model, k, sample);
        Assert.That(result.Relaxed, Is.True, result.Reason);
        Assert.That(result.Rewrites, Is.EqualTo(rewrites));
        var input = result.Model!.Graph.Input[0].Type.TensorType.Shape.Dim[0];
        Assert.That(input.DimParam, Is.EqualTo(BatchRelaxer.BatchDim));
        Assert.That(result.Model.Graph.Output[0].Type.TensorType.Shape.Dim[0].DimParam, Is.EqualTo(BatchRelaxer.BatchDim));
        var signature = ModelSignature.OfAnyBatch(result.Model, 3);
        Assert.That(BatchProbe.Check(result.Model, signature, batchStatistics: false), Is.Null);
        return result;
    }

    private static void AssertRefuses(ModelProto model, long k, long[] sample, string why)
    {
        var result = Relax(model, k, sample);
        Assert.That(result.Relaxed, Is.False);
        Assert.That(result.Reason, Does.Contain(why));
    }

    [Test]
    public void AReshapeToAConstantBatchOfOneBecomesMinusOneAndStaleShapesGo()
    {
        var model = Model(1, [4, 3, 3], (g, x) => g.Node("Reshape", [g.Node("Relu", [x]), g.Int64Constant("shape", 1, 36)]));
        model.Graph.ValueInfo.Add(GraphBuilder.ValueInfo(model.Graph.Node[0].Output[0], ElementType.Float, [1, 4, 3, 3]));
        var relaxed = AssertRelaxes(model, 1, [4, 3, 3], rewrites: 1).Model!;
        Assert.That(relaxed.Graph.ValueInfo, Is.Empty, "intermediate shapes at batch 1 are dropped");
        var shape = relaxed.Graph.Initializer.Single(t => t.Name == relaxed.Graph.Node.Single(n => n.OpType == "Reshape").Input[1]);
        Assert.That(TensorData.ReadInt64s(shape), Is.EqualTo(new long[] { -1, 36 }));
        Assert.That(model.Graph.ValueInfo, Has.Count.EqualTo(1), "the original is left alone");
    }

    [Test]
    public void AShapeChainCarriesTheBatchWithoutRewrites()
    {
        AssertRelaxes(Model(1, [4, 3, 3], (g, x) =>
        {
            var n = g.Node("Gather", [g.Node("Shape", [x]), g.Int64Initializer("i0", [0])], Attr.Int("axis", 0));
            var shape = g.Node("Concat", [g.Node("Unsqueeze", [n, g.Int64Constant("axes", 0)]), g.Int64Constant("rest", -1)], Attr.Int("axis", 0));
            return g.Node("Reshape", [x, shape]);
        }), 1, [4, 3, 3], rewrites: 0);
    }

    [Test]
    public void AClassTokenExpandedToBatchOneIsBroadcastToTheBatch()
    {
        // A ViT export: cls [1, 1, D] expanded to the traced batch, concatenated with the tokens along axis 1.
        AssertRelaxes(Model(1, [4, 6], (g, x) =>
        {
            var cls = g.Node("Expand", [g.Initializer("cls", [0.1f, -0.2f, 0.3f, 0.4f, -0.5f, 0.6f], 1, 1, 6), g.Int64Constant("cls_shape", 1, 1, 6)]);
            var tokens = g.Node("Concat", [cls, x], Attr.Int("axis", 1));
            return g.Node("ReduceMean", [tokens], Attr.Ints("axes", 1), Attr.Int("keepdims", 0));
        }), 1, [4, 6], rewrites: 1);
    }

    [Test]
    public void ConstantOfShapeAtBatchOneIsBroadcastToTheBatch()
    {
        AssertRelaxes(Model(1, [6], (g, x) =>
        {
            var zeros = g.Node("ConstantOfShape", [g.Int64Constant("zeros_shape", 1, 3)]);
            return g.Node("Concat", [x, zeros], Attr.Int("axis", 1));
        }), 1, [6], rewrites: 1);
    }

    [Test]
    public void ABatchMergedWithTokensAndSplitBackIsFollowed()
    {
        // Attention-style: [1, T, D] → [T, D] (batch × tokens) → MatMul → [1, T, D].
        AssertRelaxes(Model(1, [4, 6], (g, x) =>
        {
            var w = new float[36];
            new Rng(5).FillGaussian(w, 0, 0.3);
            var merged = g.Node("Reshape", [x, g.Int64Constant("merge", 4, 6)]);
            var mixed = g.Node("MatMul", [merged, g.Initializer("w", w, 6, 6)]);
            var split = g.Node("Reshape", [mixed, g.Int64Constant("split", 1, 4, 6)]);
            return g.Node("ReduceMean", [split], Attr.Ints("axes", 1), Attr.Int("keepdims", 0));
        }), 1, [4, 6], rewrites: 2);
    }

    [Test]
    public void TileAndExpandOfTheBatchKeepIt()
    {
        AssertRelaxes(Model(1, [6], (g, x) => g.Node("Tile", [x, g.Int64Constant("repeats", 1, 2)])), 1, [6], rewrites: 0);
        // At a traced batch of 2 the Expand's constant holds the 2, which must become 1 (broadcast keeps the batch).
        AssertRelaxes(Model(2, [6], (g, x) => g.Node("Expand", [x, g.Int64Constant("to", 2, 6)])), 2, [6], rewrites: 1);
    }

    [Test]
    public void AnOlderOpsetReshapeChainIsRelaxed()
    {
        AssertRelaxes(Model(1, [4, 3, 3], (g, x) =>
        {
            var n = g.Node("Gather", [g.Node("Shape", [x]), g.Int64Initializer("i0", [0])], Attr.Int("axis", 0));
            var shape = g.Node("Concat", [g.Node("Unsqueeze", [n], Attr.Ints("axes", 0)), g.Int64Constant("rest", 36)], Attr.Int("axis", 0));
            return g.Node("Reshape", [x, shape]);
        }, opset: 9), 1, [4, 3, 3], rewrites: 0);
    }

    [Test]
    public void GraphsThatMixOrDropTheBatchAreRefusedWithTheNode()
    {
        long[] sample = [6];
        AssertRefuses(Model(2, sample, (g, x) =>
            g.Node("Sub", [x, g.Node("ReduceMean", [x], Attr.Ints("axes", 0), Attr.Int("keepdims", 1))])), 2, sample, "reduces over the batch axis");
        AssertRefuses(Model(1, sample, (g, x) =>
            g.Node("Unsqueeze", [g.Node("Gather", [x, g.Int64Initializer("first", [0])], Attr.Int("axis", 0)), g.Int64Constant("axes", 0)])), 1, sample, "picks samples out of the batch");
        AssertRefuses(Model(1, sample, (g, x) =>
            g.Node("Reshape", [g.Node("Concat", [x, x], Attr.Int("axis", 0)), g.Int64Constant("shape", 1, 12)])), 1, sample, "concatenates along the batch axis");
        AssertRefuses(Model(2, sample, (g, x) =>
            g.Node("Slice", [x, g.Int64Constant("starts", 0), g.Int64Constant("ends", 1), g.Int64Constant("axes", 0)])), 2, sample, "slices the batch axis");
        AssertRefuses(Model(1, sample, (g, x) =>
            g.Node("Unsqueeze", [g.Node("Reshape", [x, g.Int64Constant("flat", 6)]), g.Int64Constant("axes", 0)])), 1, sample, "Gemm");
    }

    [Test]
    public void OpsOutsideTheOnnxDomainOnTheBatchAreRefused()
    {
        var model = Model(1, [6], (g, x) => g.Node("Relu", [x]));
        model.Graph.Node[0].Domain = "com.example";
        var result = BatchRelaxer.Relax(model, "input", 1, _ => [1, 6]);
        Assert.That(result.Relaxed, Is.False);
        Assert.That(result.Reason, Does.Contain("outside the ONNX domain"));
    }

    [Test]
    public void TheProbeCatchesAModelWhoseSamplesLeakIntoEachOther()
    {
        // Centring over the batch: identical samples cannot show it (every row is 0, as at batch 1); distinct ones do.
        var mixing = Model(GraphBuilder.SymbolicBatch, [6], (g, x) =>
            g.Node("Sub", [x, g.Node("ReduceMean", [x], Attr.Ints("axes", 0), Attr.Int("keepdims", 1))]));
        var signature = ModelSignature.OfAnyBatch(mixing, 3);
        Assert.That(BatchProbe.Check(mixing, signature, batchStatistics: true), Is.Null, "with batch statistics, only identical samples are compared");
        Assert.That(BatchProbe.Check(mixing, signature, batchStatistics: false), Does.Contain("distinct samples"));
        // A batch kept at 1 by a constant: the relaxed model does not run at batch 2.
        var stuck = Model(GraphBuilder.SymbolicBatch, [6], (g, x) => g.Node("Reshape", [x, g.Int64Constant("shape", 1, 6)]));
        Assert.That(BatchProbe.Check(stuck, ModelSignature.OfAnyBatch(stuck, 3), batchStatistics: false), Does.Contain("does not run").And.Contain("Reshape"));
    }
}
