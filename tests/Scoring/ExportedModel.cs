using NasiOnnx.Engine.Graphs;
using NasiOnnx.Engine.Init;
using Onnx;

namespace NasiOnnx.Tests.Scoring;

/// <summary>
/// A small CNN laid out as the exporters people use write it: conv → BatchNorm (running statistics) → ReLU →
/// max-pool → conv → ReLU → flatten (three ways) → Gemm → an optional final Softmax; a fixed or symbolic batch;
/// NCHW, or NHWC followed by a Transpose (tf2onnx / keras2onnx). The weights depend only on <see cref="Seed"/>, so
/// variants of one seed are the same function and must score the same.
/// </summary>
public sealed record ExportedModel
{
    /// <summary>The input's batch dimension: a number, or 0 for a symbolic one.</summary>
    public long Batch { get; init; } = 1;
    public long Opset { get; init; } = 17;
    public FlattenStyle Flatten { get; init; } = FlattenStyle.Flatten;
    public FinalOp Final { get; init; } = FinalOp.None;
    public bool ChannelsLast { get; init; }

    /// <summary>BatchNormalization with batch statistics (training_mode 1, opset ≥ 14) instead of running ones.</summary>
    public bool BatchStatistics { get; init; }

    public ulong Seed { get; init; } = 1;
    public int Classes { get; init; } = 10;

    public const int Size = 8;

    /// <summary>How the flattened features reach the classifier, as exporters write it.</summary>
    public enum FlattenStyle
    {
        /// <summary>Flatten(axis 1).</summary>
        Flatten,

        /// <summary>Reshape to a constant [batch, features]: torch.onnx.export with a batch-1 dummy input folds
        /// <c>x.view(x.size(0), -1)</c> into [1, N] ([-1, N] with a symbolic batch, as dynamic axes give).</summary>
        ReshapeConstant,

        /// <summary>Shape → Gather(0) → Unsqueeze → Concat(·, [-1]) → Reshape: the same view without constant folding.</summary>
        ShapeChain,

        /// <summary>Reshape to [N] then Unsqueeze(0): the same values at batch 1, but the batch is folded into the
        /// features (<c>x.view(-1).unsqueeze(0)</c>), so it cannot be relaxed.</summary>
        FoldedBatch,
    }

    /// <summary>The ending an exporter puts after the logits.</summary>
    public enum FinalOp
    {
        None,
        Softmax,
        LogSoftmax,
    }

    public ModelProto Build()
    {
        var rng = new Rng(Seed);
        float[] Weights(int count, double std)
        {
            var w = new float[count];
            rng.FillGaussian(w, 0, std);
            return w;
        }
        var g = GraphBuilder.Create("export", Opset);
        var batch = Batch > 0 ? Batch : GraphBuilder.SymbolicBatch;
        string x;
        if (ChannelsLast)
        {
            var nhwc = g.Input("input_1", ElementType.Float, batch, Size, Size, 3);
            x = g.Node("Transpose", [nhwc], Attr.Ints("perm", 0, 3, 1, 2));
        }
        else x = g.Input("input", ElementType.Float, batch, 3, Size, Size);

        var w1 = g.Initializer("conv1.weight", Weights(4 * 3 * 9, 0.3), 4, 3, 3, 3);
        var b1 = g.Initializer("conv1.bias", Weights(4, 0.1), 4);
        var c1 = g.Node("Conv", [x, w1, b1], Attr.Ints("kernel_shape", 3, 3), Attr.Ints("pads", 1, 1, 1, 1));
        var scale = g.Initializer("bn1.weight", Weights(4, 0.2).Select(v => 1 + v).ToArray(), 4);
        var bias = g.Initializer("bn1.bias", Weights(4, 0.1), 4);
        var mean = g.Initializer("bn1.running_mean", Weights(4, 0.1), 4);
        var variance = g.Initializer("bn1.running_var", Weights(4, 0.1).Select(v => 1 + Math.Abs(v)).ToArray(), 4);
        string bn;
        if (BatchStatistics)
            bn = g.NodeN("BatchNormalization", [c1, scale, bias, mean, variance], 3, Attr.Int("training_mode", 1), Attr.Float("momentum", 1))[0];
        else
            bn = g.Node("BatchNormalization", [c1, scale, bias, mean, variance], Attr.Float("epsilon", 1e-5f));
        var pooled = g.Node("MaxPool", [g.Node("Relu", [bn])], Attr.Ints("kernel_shape", 2, 2), Attr.Ints("strides", 2, 2));
        var w2 = g.Initializer("conv2.weight", Weights(4 * 4 * 9, 0.3), 4, 4, 3, 3);
        var features = g.Node("Relu", [g.Node("Conv", [pooled, w2], Attr.Ints("kernel_shape", 3, 3), Attr.Ints("pads", 1, 1, 1, 1))]);
        const int flat = 4 * (Size / 2) * (Size / 2);

        var flattened = Flatten switch
        {
            FlattenStyle.Flatten => g.Node("Flatten", [features], Attr.Int("axis", 1)),
            FlattenStyle.ReshapeConstant => g.Node("Reshape", [features, g.Int64Constant("shape", Batch > 0 ? Batch : -1, flat)]),
            FlattenStyle.FoldedBatch => Unsqueeze(g, g.Node("Reshape", [features, g.Int64Constant("shape", flat)]), 0),
            _ => g.Node("Reshape", [features, BatchShapeChain(g, features, flat)]),
        };
        var fcW = g.Initializer("fc.weight", Weights(Classes * flat, 0.2), Classes, flat);
        var fcB = g.Initializer("fc.bias", Weights(Classes, 0.1), Classes);
        var logits = g.Node("Gemm", [flattened, fcW, fcB], Attr.Int("transB", 1));
        var output = Final switch
        {
            FinalOp.Softmax => g.Node("Softmax", [logits], Attr.Int("axis", Opset < 13 ? 1 : -1)),
            FinalOp.LogSoftmax => g.Node("LogSoftmax", [logits], Attr.Int("axis", Opset < 13 ? 1 : -1)),
            _ => logits,
        };
        g.Output(output, ElementType.Float, [batch, Classes]);
        return g.Model;
    }

    private string Unsqueeze(GraphBuilder g, string x, long axis) => Opset < 13
        ? g.Node("Unsqueeze", [x], Attr.Ints("axes", axis))
        : g.Node("Unsqueeze", [x, g.Int64Constant("axes", axis)]);

    /// <summary>Shape(x) → Gather(0) → Unsqueeze → Concat with [-1]: the batch read at run time, as older exports do.</summary>
    private string BatchShapeChain(GraphBuilder g, string x, long features)
    {
        var shape = g.Node("Shape", [x]);
        var n = g.Node("Gather", [shape, g.Int64Initializer("gather_index", [0])], Attr.Int("axis", 0));
        return g.Node("Concat", [Unsqueeze(g, n, 0), g.Int64Constant("features", features)], Attr.Int("axis", 0));
    }
}
