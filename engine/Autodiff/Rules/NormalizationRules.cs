using NasiOnnx.Engine.Graphs;
using Onnx;

namespace NasiOnnx.Engine.Autodiff.Rules;

/// <summary>BatchNormalization(X, scale, bias, mean, var): scale and bias are parameters; the running
/// statistics (inputs 3 and 4) get no gradient.</summary>
internal static class NormalizationRules
{
    /// <summary>
    /// training_mode = 1 (batch statistics): the node's extra outputs are running statistics, not the batch's, so
    /// the batch mean and biased variance are recomputed (two reductions). With x̂ = (x − μ)/σ over m = N·spatial
    /// elements per channel: dβ = Σ dy, dγ = Σ dy·x̂, dx = γ/σ · (dy − dβ/m − x̂ · dγ/m).
    /// training_mode = 0 (running statistics, constants): dx = dy · γ/σ, with the same dγ and dβ.
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

        string centered, inverseStd;
        if (training)
        {
            centered = ctx.Node("Sub", [x, ctx.ReduceMean(x, axes, keepDims: true)]);
            var variance = ctx.ReduceMean(ctx.Node("Mul", [centered, centered]), axes, keepDims: true);
            inverseStd = ctx.Node("Reciprocal", [ctx.Node("Sqrt", [ctx.Node("Add", [variance, epsilon])])]);
        }
        else
        {
            centered = ctx.Node("Sub", [x, ctx.Reshape(node.Input[3], perChannel)]);
            var variance = ctx.Reshape(node.Input[4], perChannel);
            inverseStd = ctx.Node("Reciprocal", [ctx.Node("Sqrt", [ctx.Node("Add", [variance, epsilon])])]);
        }
        var normalized = ctx.Node("Mul", [centered, inverseStd]);
        var sumDy = ctx.ReduceSum(g, axes, keepDims: true);
        var sumDyXhat = ctx.ReduceSum(ctx.Node("Mul", [g, normalized]), axes, keepDims: true);
        var gain = ctx.Node("Mul", [ctx.Reshape(scale, perChannel), inverseStd]); // γ/σ per channel

        var grads = new string?[node.Input.Count];
        if (ctx.Needs(node, 0))
        {
            if (training)
            {
                var count = Tensor.Count(xShape) / channels;
                var meanDy = ctx.Node("Mul", [sumDy, ctx.Scalar(1f / count)]);
                var meanDyXhat = ctx.Node("Mul", [sumDyXhat, ctx.Scalar(1f / count)]);
                var inner = ctx.Node("Sub", [ctx.Node("Sub", [g, meanDy]), ctx.Node("Mul", [normalized, meanDyXhat])]);
                grads[0] = ctx.Node("Mul", [inner, gain]);
            }
            else
            {
                grads[0] = ctx.Node("Mul", [g, gain]);
            }
        }
        if (ctx.Needs(node, 1)) grads[1] = ctx.Reshape(sumDyXhat, [channels]);
        if (ctx.Needs(node, 2)) grads[2] = ctx.Reshape(sumDy, [channels]);
        return grads;
    }
}
