using NasiOnnx.Engine.Graphs;
using Onnx;

namespace NasiOnnx.Engine.Autodiff.Rules;

/// <summary>
/// The Lp ops. With s = Σ |x|^p over a set (an axis, a window, the spatial extent) and n = s^(1/p):
/// ∂n/∂x = |x|^(p−1)·sign(x) / n^(p−1) = x·|x|^(p−2) / n^(p−1), which is 1 / … ·sign(x) for p = 1 and x / n for p = 2.
/// </summary>
internal static class LpRules
{
    /// <summary>
    /// LpNormalization y = x / n along 'axis' (p = 1 or 2). dx = g/n − x·|x|^(p−2)/n^(p+1)·Σ(g·x) over the axis, i.e.
    /// p = 2: (g − y·Σ g·y) / n; p = 1: g/n − sign(x)·Σ(g·x)/n².
    /// </summary>
    public static string?[] LpNormalization(GradientContext ctx, NodeProto node, IReadOnlyList<string?> dy)
    {
        var x = node.Input[0];
        var shape = ctx.Shape(x);
        var axis = node.GetInt("axis", -1);
        if (axis < 0) axis += shape.Length;
        var p = node.GetInt("p", 2);
        var g = dy[0]!;
        switch (p)
        {
            case 2:
            {
                var norm = ctx.Node("Sqrt", [ctx.ReduceSum(ctx.Node("Mul", [x, x]), [axis], keepDims: true)]);
                var y = node.Output[0];
                var projection = ctx.Node("Mul", [y, ctx.ReduceSum(ctx.Node("Mul", [g, y]), [axis], keepDims: true)]);
                return [ctx.Node("Div", [ctx.Node("Sub", [g, projection]), norm])];
            }
            case 1:
            {
                var norm = ctx.ReduceSum(ctx.Node("Abs", [x]), [axis], keepDims: true);
                var along = ctx.Node("Div", [ctx.ReduceSum(ctx.Node("Mul", [g, x]), [axis], keepDims: true), ctx.Node("Mul", [norm, norm])]);
                return [ctx.Node("Sub", [ctx.Node("Div", [g, norm]), ctx.Node("Mul", [ctx.Node("Sign", [x]), along])])];
            }
            default:
                throw GradientContext.Unsupported(node, $"p = {p} (ONNX defines LpNormalization for p = 1 and 2)");
        }
    }

    /// <summary>
    /// LpPool y_w = (Σ_window |x|^p)^(1/p), pads reading 0: dx = x·|x|^(p−2) · Σ_(windows w ∋ x) dy_w / y_w^(p−1), the sum
    /// over windows a depthwise ConvTranspose of ones with the pool's strides and pads (as for AveragePool).
    /// </summary>
    public static string?[] LpPool(GradientContext ctx, NodeProto node, IReadOnlyList<string?> dy)
    {
        var x = node.Input[0];
        var xShape = ctx.Shape(x);
        var yShape = ctx.Shape(node.Output[0]);
        var kernel = node.GetInts("kernel_shape") ?? throw GradientContext.Unsupported(node, "no kernel_shape");
        var geometry = ConvGeometry.Of(node, xShape, yShape, kernel);
        if (geometry.Dilations.Any(d => d != 1)) throw GradientContext.Unsupported(node, "dilations");
        var p = node.GetInt("p", 2);
        var weighted = PerOutput(ctx, node, dy[0]!, p);
        var channels = xShape[1];
        var ones = ctx.Builder.FloatConstant("grad_lppool_spread", Enumerable.Repeat(1f, (int)(channels * Tensor.Count(kernel))).ToArray(), [channels, 1, .. kernel]);
        var (pads, outputPadding) = geometry.TransposeSettings();
        var spread = ctx.Node("ConvTranspose", [weighted, ones], Attr.Ints("strides", geometry.Strides), Attr.Ints("pads", pads),
            Attr.Ints("output_padding", outputPadding), Attr.Int("group", channels), Attr.Ints("kernel_shape", kernel));
        return [ctx.Node("Mul", [spread, PerInput(ctx, x, p)])];
    }

    /// <summary>GlobalLpPool y = (Σ_space |x|^p)^(1/p) per sample and channel: dx = x·|x|^(p−2) · dy / y^(p−1), broadcast.</summary>
    public static string?[] GlobalLpPool(GradientContext ctx, NodeProto node, IReadOnlyList<string?> dy)
    {
        var p = node.GetInt("p", 2);
        return [ctx.Node("Mul", [PerInput(ctx, node.Input[0], p), PerOutput(ctx, node, dy[0]!, p)])];
    }

    /// <summary>dy / y^(p−1), from the forward output.</summary>
    private static string PerOutput(GradientContext ctx, NodeProto node, string dy, long p)
    {
        if (p < 1) throw GradientContext.Unsupported(node, $"p = {p}");
        var y = node.Output[0];
        return p switch
        {
            1 => dy,
            2 => ctx.Node("Div", [dy, y]),
            _ => ctx.Node("Div", [dy, ctx.Node("Pow", [y, ctx.Scalar(p - 1)])]),
        };
    }

    /// <summary>x·|x|^(p−2): sign(x) for p = 1, x for p = 2.</summary>
    private static string PerInput(GradientContext ctx, string x, long p) => p switch
    {
        1 => ctx.Node("Sign", [x]),
        2 => x,
        _ => ctx.Node("Mul", [x, ctx.Node("Pow", [ctx.Node("Abs", [x]), ctx.Scalar(p - 2)])]),
    };
}
