using NasiOnnx.Engine.Graphs;
using Onnx;

namespace NasiOnnx.Engine.Autodiff.Rules;

/// <summary>Convolution. The input gradient is again a convolution (its transpose, as in JAX's lax.conv rules);
/// the weight gradient is an explicit im2col and a MatMul, since ONNX Runtime has no weight-gradient kernel and
/// the Conv form of it (dY as an output-sized kernel) runs an order of magnitude slower there.</summary>
internal static class ConvRules
{
    /// <summary>
    /// Conv(X [N,C,…], W [M,C/g,…], B [M]) →  Y [N,M,…].
    /// dX = ConvTranspose(dY, W) with the forward's strides, dilations, group and pads (+ output_padding); for
    /// stride 1 and one group, the equivalent Conv with the flipped kernel.
    /// dW = im2col of X by strided Slices, then a MatMul with dY batched over samples and groups, summed over samples.
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
            grads[0] = group == 1 && geometry.IsStrideOne && geometry.FitsFlippedConv
                ? FlippedConv(ctx, w, g, geometry)
                : TransposedConv(ctx, w, g, geometry, group);
        if (ctx.Needs(node, 1))
            grads[1] = WeightGradient(ctx, x, g, xShape, wShape, yShape, geometry, group);
        if (ctx.Needs(node, 2))
            grads[2] = ctx.ReduceSum(g, SumAxes(yShape.Length), keepDims: false);
        return grads;
    }

    /// <summary>Any stride or group: dX = ConvTranspose(dY, W), with output_padding restoring unread rows.</summary>
    private static string TransposedConv(GradientContext ctx, string w, string dy, ConvGeometry geometry, long group)
    {
        var (pads, outputPadding) = geometry.TransposeSettings();
        return ctx.Node("ConvTranspose", [dy, w],
            Attr.Ints("strides", geometry.Strides), Attr.Ints("dilations", geometry.Dilations), Attr.Ints("pads", pads),
            Attr.Ints("output_padding", outputPadding), Attr.Int("group", group), Attr.Ints("kernel_shape", geometry.Kernel));
    }

    /// <summary>
    /// Stride 1, one group: dX = Conv(dY, W') with W' = W with in/out channels swapped and the kernel flipped, and
    /// pads d·(k−1) − p. Same numbers as the ConvTranspose, but an ordinary Conv runs on ONNX Runtime's fastest
    /// (NCHWc) kernels, and W' depends only on initializers, so session creation folds it away.
    /// </summary>
    private static string FlippedConv(GradientContext ctx, string w, string dy, ConvGeometry geometry)
    {
        var rank = geometry.Rank;
        var spatialAxes = Enumerable.Range(2, rank).Select(i => (long)i).ToArray();
        var swapped = ctx.Node("Transpose", [w], Attr.Ints("perm", [1, 0, .. spatialAxes]));
        var flipped = ctx.Node("Slice", [swapped, ctx.Ints(Enumerable.Repeat(-1L, rank).ToArray()),
            ctx.Ints(Enumerable.Repeat(long.MinValue, rank).ToArray()), ctx.Ints(spatialAxes), ctx.Ints(Enumerable.Repeat(-1L, rank).ToArray())]);
        var reach = geometry.Kernel.Select((k, i) => (k - 1) * geometry.Dilations[i]).ToArray();
        long[] pads = [.. reach.Select((r, i) => r - geometry.PadsBegin[i]), .. reach.Select((r, i) => r - geometry.PadsEnd[i])];
        return ctx.Node("Conv", [dy, flipped], Attr.Ints("dilations", geometry.Dilations), Attr.Ints("pads", pads), Attr.Ints("kernel_shape", geometry.Kernel));
    }

    /// <summary>
    /// dW[m, c, q] = Σ_n Σ_p dY[n, m, p] · cols[n, c, q, p], where cols (im2col of X: each input channel's value at
    /// window offset q for every output position p) comes from one strided Slice of the padded X per offset.
    /// With g groups, output channel m of group j reads only that group's C/g input channels, so cols and dY are
    /// split by group and the MatMul is batched over samples and groups, then summed over samples and laid out as
    /// [M, C/g, k…].
    /// </summary>
    private static string WeightGradient(GradientContext ctx, string x, string dy, long[] xShape, long[] wShape, long[] yShape,
        ConvGeometry geometry, long group)
    {
        var (n, c, m) = (xShape[0], xShape[1], yShape[1]);
        var window = Tensor.Count(geometry.Kernel);
        var positions = Tensor.Count(geometry.Output);
        // im2col by slicing: pad X once, then one strided Slice per window offset, stacked as [N, C, K, positions].
        // (A one-hot Conv computes the same but runs in ONNX Runtime's blocked layout, whose reorders of a K-times
        // larger tensor cost more than the copies.)
        var padded = geometry.Pads.Any(p => p != 0)
            ? ctx.Node("Pad", [x, ctx.Ints([0, 0, .. geometry.PadsBegin, 0, 0, .. geometry.PadsEnd])])
            : x;
        var rank = geometry.Rank;
        var spatialAxes = Enumerable.Range(2, rank).Select(i => (long)i).ToArray();
        var offsets = new List<string>();
        var offset = new long[rank];
        for (var q = 0; q < window; q++)
        {
            for (long rest = q, d = rank - 1; d >= 0; d--) { offset[d] = rest % geometry.Kernel[d]; rest /= geometry.Kernel[d]; }
            var starts = offset.Select((o, i) => o * geometry.Dilations[i]).ToArray();
            var ends = starts.Select((st, i) => st + (geometry.Output[i] - 1) * geometry.Strides[i] + 1).ToArray();
            var slice = ctx.Node("Slice", [padded, ctx.Ints(starts), ctx.Ints(ends), ctx.Ints(spatialAxes), ctx.Ints(geometry.Strides)]);
            offsets.Add(ctx.Reshape(slice, [n, c, 1, positions]));
        }
        var columns = window == 1 ? offsets[0] : ctx.Node("Concat", offsets, Attr.Int("axis", 2));
        var (cg, mg) = (c / group, m / group);
        var cols = ctx.Reshape(columns, [n, group, cg * window, positions]);
        var dyByPosition = ctx.Node("Transpose", [ctx.Reshape(dy, [n, group, mg, positions])], Attr.Ints("perm", 0, 1, 3, 2));
        var perSample = ctx.Node("MatMul", [cols, dyByPosition]); // [N, g, C/g·K, M/g]
        var summed = ctx.ReduceSum(perSample, [0], keepDims: false); // [g, C/g·K, M/g]
        return ctx.Reshape(ctx.Node("Transpose", [summed], Attr.Ints("perm", 0, 2, 1)), wShape);
    }

    internal static long[] SumAxes(int rank) => [0, .. Enumerable.Range(2, rank - 2).Select(i => (long)i)];
}
