using NasiOnnx.Engine.Graphs;
using Onnx;

namespace NasiOnnx.Engine.Autodiff.Rules;

/// <summary>BatchNormalization(X, scale, bias, mean, var): scale and bias are parameters; the running
/// statistics (inputs 3 and 4) get no gradient.</summary>
internal static class NormalizationRules
{
    /// <summary>
    /// training_mode = 1 (batch statistics): the node's extra outputs are running statistics, not the batch's, so
    /// the batch mean μ and biased variance σ² are recomputed (two reductions). With c = x − μ, m = N·spatial
    /// elements per channel: dβ = Σ dy, dγ = Σ dy·c / σ, and
    /// dx = γ/σ · (dy − dβ/m) − γ/σ³ · (Σ dy·c / m) · c, which needs no normalised x̂ tensor.
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
        var epsilon = ctx.Scalar(node.GetFloat("epsilon", 1e-5f));
        var training = node.GetInt("training_mode", 0) != 0;
        var g = dy[0]!;

        string centered, variance;
        if (training)
        {
            centered = ctx.Node("Sub", [x, ctx.ReduceMean(x, axes, keepDims: true)]);
            variance = ctx.ReduceMean(ctx.Node("Mul", [centered, centered]), axes, keepDims: true);
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
                var count = Tensor.Count(xShape) / channels;
                var shifted = ctx.Node("Sub", [g, ctx.Node("Mul", [sumDy, ctx.Scalar(1f / count)])]);
                var slope = ctx.Node("Mul", [ctx.Node("Mul", [gain, ctx.Node("Mul", [inverseStd, inverseStd])]),
                    ctx.Node("Mul", [sumDyCentered!, ctx.Scalar(1f / count)])]); // γ/σ³ · Σ dy·c / m
                grads[0] = ctx.Node("Sub", [ctx.Node("Mul", [shifted, gain]), ctx.Node("Mul", [centered, slope])]);
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
}
