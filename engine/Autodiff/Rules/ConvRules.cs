using NasiOnnx.Engine.Graphs;
using Onnx;

namespace NasiOnnx.Engine.Autodiff.Rules;

/// <summary>Convolution. Its transpose is again a convolution, so both gradients are convolutions
/// (as in JAX's lax.conv rules) and ONNX Runtime's fast kernels run them.</summary>
internal static class ConvRules
{
    /// <summary>
    /// Conv(X [N,C,…], W [M,C/g,…], B [M]) →  Y [N,M,…].
    /// dX = ConvTranspose(dY, W) with the forward's strides, dilations, group and pads (+ output_padding).
    /// dW = a Conv that correlates X with dY over the batch: batch and channel axes swap roles
    /// (X as [C/g, g·N, …], dY as the kernel [M, N, …]), strides and dilations swap, and group = g keeps each
    /// group's channels apart; its output [C/g, M, …] is cropped to the kernel and transposed to [M, C/g, …].
    /// dB = dY summed over batch and space.
    /// </summary>
    public static string?[] Conv(GradientContext ctx, NodeProto node, IReadOnlyList<string?> dy)
    {
        var (x, w) = (node.Input[0], node.Input[1]);
        var xShape = ctx.Shape(x);
        var wShape = ctx.Shape(w);
        var yShape = ctx.Shape(node.Output[0]);
        var geometry = ConvGeometry.Of(node, xShape, yShape, wShape[2..]);
        var group = node.GetInt("group", 1);
        var g = dy[0]!;
        var grads = new string?[node.Input.Count];

        if (ctx.Needs(node, 0))
        {
            var (pads, outputPadding) = geometry.TransposeSettings();
            grads[0] = ctx.Node("ConvTranspose", [g, w],
                Attr.Ints("strides", geometry.Strides), Attr.Ints("dilations", geometry.Dilations), Attr.Ints("pads", pads),
                Attr.Ints("output_padding", outputPadding), Attr.Int("group", group), Attr.Ints("kernel_shape", geometry.Kernel));
        }
        if (ctx.Needs(node, 1))
            grads[1] = WeightGradient(ctx, x, g, xShape, wShape, yShape, geometry, group);
        if (ctx.Needs(node, 2))
            grads[2] = ctx.ReduceSum(g, SumAxes(yShape.Length), keepDims: false);
        return grads;
    }

    private static string WeightGradient(GradientContext ctx, string x, string dy, long[] xShape, long[] wShape, long[] yShape,
        ConvGeometry geometry, long group)
    {
        var rank = geometry.Rank;
        var (n, c, m) = (xShape[0], xShape[1], yShape[1]);
        long[] spatial = xShape[2..];
        var spatialAxes = Enumerable.Range(0, rank).Select(i => (long)(i + 2)).ToArray();

        // X [N, C, …] → [N, g, C/g, …] → [C/g, g, N, …] → [C/g, g·N, …]: batch becomes channels, grouped by g.
        string xT;
        if (group == 1)
        {
            xT = ctx.Node("Transpose", [x], Attr.Ints("perm", [1, 0, .. spatialAxes]));
        }
        else
        {
            var split = ctx.Reshape(x, [n, group, c / group, .. spatial]);
            var moved = ctx.Node("Transpose", [split], Attr.Ints("perm", [2, 1, 0, .. spatialAxes.Select(a => a + 1)]));
            xT = ctx.Reshape(moved, [c / group, group * n, .. spatial]);
        }
        // dY [N, M, …] → [M, N, …]: M output channels in group order, each reading N channels.
        var dyT = ctx.Node("Transpose", [dy], Attr.Ints("perm", [1, 0, .. spatialAxes]));
        var correlated = ctx.Node("Conv", [xT, dyT],
            Attr.Ints("strides", geometry.Dilations), Attr.Ints("dilations", geometry.Strides), Attr.Ints("pads", geometry.Pads),
            Attr.Int("group", group), Attr.Ints("kernel_shape", geometry.Output));

        // The correlation covers every offset the padded input allows; the kernel uses the first k of them.
        var reach = new long[rank];
        for (var i = 0; i < rank; i++)
            reach[i] = (geometry.Input[i] + geometry.PadsBegin[i] + geometry.PadsEnd[i] - ((geometry.Output[i] - 1) * geometry.Strides[i] + 1)) / geometry.Dilations[i] + 1;
        var kernel = wShape[2..];
        if (!reach.SequenceEqual(kernel))
            correlated = ctx.Node("Slice", [correlated, ctx.Ints(new long[rank]), ctx.Ints(kernel), ctx.Ints(spatialAxes)]);
        return ctx.Node("Transpose", [correlated], Attr.Ints("perm", [1, 0, .. spatialAxes]));
    }

    internal static long[] SumAxes(int rank) => [0, .. Enumerable.Range(2, rank - 2).Select(i => (long)i)];
}
