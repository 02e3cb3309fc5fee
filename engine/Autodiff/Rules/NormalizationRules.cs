using NasiOnnx.Engine.Graphs;
using Onnx;

namespace NasiOnnx.Engine.Autodiff.Rules;

/// <summary>BatchNormalization(X, scale, bias, mean, var): scale and bias are parameters; the running
/// statistics (inputs 3 and 4) get no gradient.</summary>
internal static class NormalizationRules
{
    /// <summary>
    /// training_mode = 1 (batch statistics): the node's extra outputs are running statistics, not the batch's, so
    /// the batch mean μ and biased variance σ² are recomputed. With c = x − μ, m = N·spatial elements per channel:
    /// dβ = Σ dy, dγ = Σ dy·c / σ, and
    /// dx = γ/σ · dy − γ/σ³ · (Σ dy·c / m) · c − γ/σ · Σ dy / m,
    /// which needs no normalised x̂ tensor. Every full-size pass counts here (this rule runs once per conv in a
    /// CNN), so the first and last terms are one per-channel affine pass.
    /// training_mode = 0 (running statistics, constants): dx = dy · γ/σ, with dγ, dβ as above and μ, σ² the
    /// running statistics.
    /// </summary>
    public static string?[] BatchNormalization(GradientContext ctx, NodeProto node, IReadOnlyList<string?> dy)
    {
        if (dy[0] is null) return new string?[node.Input.Count]; // only running-statistics outputs were used
        var (x, scale) = (node.Input[0], node.Input[1]);
        var xShape = ctx.Shape(x);
        var channels = xShape[1];
        long[] perChannel = [1, channels, .. Enumerable.Repeat(1L, xShape.Length - 2)];
        var axes = ConvRules.SumAxes(xShape.Length);
        var count = Tensor.Count(xShape) / channels;
        var epsilon = ctx.Scalar(node.GetFloat("epsilon", 1e-5f));
        var training = node.GetInt("training_mode", 0) != 0;
        var g = dy[0]!;
        if (training && ctx.Kernels == GradientKernelMode.Fused)
        {
            // One fused kernel: two passes over x and dy instead of about eight (Kernels/BatchNormGradient.cs).
            var fused = ctx.Fused(Kernels.GradientKernels.BatchNormalizationGrad, [x, g, scale], [xShape, [channels], [channels]], Attr.Float("epsilon", node.GetFloat("epsilon", 1e-5f)));
            var result = new string?[node.Input.Count];
            if (ctx.Needs(node, 0)) result[0] = fused[0];
            if (ctx.Needs(node, 1)) result[1] = fused[1];
            if (ctx.Needs(node, 2)) result[2] = fused[2];
            return result;
        }

        string centered, variance;
        if (training)
        {
            centered = ctx.Node("Sub", [x, ctx.ReduceMean(x, axes, keepDims: true)]);
            variance = ctx.ReduceMean(ctx.Node("Mul", [centered, centered]), axes, keepDims: true); // ReduceSumSquare has no fast path in ORT: 1.5× slower than the two
        }
        else
        {
            centered = ctx.Node("Sub", [x, ctx.Reshape(node.Input[3], perChannel)]);
            variance = ctx.Reshape(node.Input[4], perChannel);
        }
        var inverseStd = ctx.Node("Reciprocal", [ctx.Node("Sqrt", [ctx.Node("Add", [variance, epsilon])])]); // 1/σ
        var sumDy = ctx.ReduceSum(g, axes, keepDims: true);
        var gain = ctx.Node("Mul", [ctx.Reshape(scale, perChannel), inverseStd]); // γ/σ per channel
        var needsScale = ctx.Needs(node, 1);
        var sumDyCentered = training || needsScale
            ? ctx.ReduceSum(ctx.Node("Mul", [g, centered]), axes, keepDims: true)
            : null;

        var grads = new string?[node.Input.Count];
        if (ctx.Needs(node, 0))
        {
            if (training)
            {
                var perCount = ctx.Scalar(1f / count);
                var slope = ctx.Node("Mul", [ctx.Node("Mul", [gain, ctx.Node("Mul", [inverseStd, inverseStd])]),
                    ctx.Node("Mul", [sumDyCentered!, perCount])]); // γ/σ³ · Σ dy·c / m
                var offset = ctx.Node("Neg", [ctx.Node("Mul", [gain, ctx.Node("Mul", [sumDy, perCount])])]); // −γ/σ · Σ dy / m
                var scaled = ctx.ChannelAffine(g, ctx.Reshape(gain, [channels]), ctx.Reshape(offset, [channels]), channels);
                grads[0] = ctx.Node("Sub", [scaled, ctx.Node("Mul", [centered, slope])]);
            }
            else
            {
                grads[0] = ctx.Node("Mul", [g, gain]);
            }
        }
        if (needsScale) grads[1] = ctx.Reshape(ctx.Node("Mul", [sumDyCentered!, inverseStd]), [channels]);
        if (ctx.Needs(node, 2)) grads[2] = ctx.Reshape(sumDy, [channels]);
        return grads;
    }

    /// <summary>
    /// InstanceNormalization(X [N,C,…], γ [C], β [C]): per sample and channel, x̂ = (x − μ)/σ over the spatial axes,
    /// y = γ·x̂ + β. As for LayerNorm over those axes, with g = dy·γ: dx = (g − mean(g) − x̂·mean(g·x̂)) / σ;
    /// dγ = Σ dy·x̂ and dβ = Σ dy over batch and space.
    /// </summary>
    public static string?[] InstanceNormalization(GradientContext ctx, NodeProto node, IReadOnlyList<string?> dy)
    {
        var (x, scale) = (node.Input[0], node.Input[1]);
        var shape = ctx.Shape(x);
        if (shape.Length < 3) throw GradientContext.Unsupported(node, $"an input of rank {shape.Length} (InstanceNormalization needs spatial axes)");
        var channels = shape[1];
        long[] perChannel = [1, channels, .. Enumerable.Repeat(1L, shape.Length - 2)];
        var spatial = Enumerable.Range(2, shape.Length - 2).Select(a => (long)a).ToArray();
        var centered = ctx.Node("Sub", [x, ctx.ReduceMean(x, spatial, keepDims: true)]);
        var variance = ctx.ReduceMean(ctx.Node("Mul", [centered, centered]), spatial, keepDims: true);
        var inverseStd = ctx.Node("Reciprocal", [ctx.Node("Sqrt", [ctx.Node("Add", [variance, ctx.Scalar(node.GetFloat("epsilon", 1e-5f))])])]);
        var normalized = ctx.Node("Mul", [centered, inverseStd]);
        var grads = new string?[node.Input.Count];
        if (ctx.Needs(node, 0))
        {
            var g = ctx.Node("Mul", [dy[0]!, ctx.Reshape(scale, perChannel)]);
            var meanG = ctx.ReduceMean(g, spatial, keepDims: true);
            var meanGx = ctx.ReduceMean(ctx.Node("Mul", [g, normalized]), spatial, keepDims: true);
            grads[0] = ctx.Node("Mul", [ctx.Node("Sub", [ctx.Node("Sub", [g, meanG]), ctx.Node("Mul", [normalized, meanGx])]), inverseStd]);
        }
        var axes = ConvRules.SumAxes(shape.Length);
        if (ctx.Needs(node, 1)) grads[1] = ctx.ReduceSum(ctx.Node("Mul", [dy[0]!, normalized]), axes, keepDims: false);
        if (ctx.Needs(node, 2)) grads[2] = ctx.ReduceSum(dy[0]!, axes, keepDims: false);
        return grads;
    }
}
