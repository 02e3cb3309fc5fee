using NasiOnnx.Engine.Graphs;
using Onnx;

namespace NasiOnnx.Engine.Autodiff.Rules;

/// <summary>Convolution. Its transpose is again a convolution, so both gradients are convolutions
/// (as in JAX's lax.conv rules) and ONNX Runtime's fast kernels run them.</summary>
internal static class ConvRules
{
    /// <summary>
    /// Conv(X [N,C,…], W [M,C/g,…], B [M]) →  Y [N,M,…].
    /// dX = ConvTranspose(dY, W) with the forward's strides, dilations, group and pads (+ output_padding); for
    /// stride 1 and one group, the equivalent Conv with the flipped kernel.
    /// dW, one group: im2col by strided Slices, then a batched MatMul with dY.
    /// dW, groups: a Conv that correlates X with dY over the batch: batch and channel axes swap roles
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
            grads[0] = group == 1 && geometry.IsStrideOne && geometry.FitsFlippedConv
                ? FlippedConv(ctx, w, g, geometry)
                : TransposedConv(ctx, w, g, geometry, group);
        if (ctx.Needs(node, 1))
            grads[1] = group == 1
                ? WeightGradientByColumns(ctx, x, g, xShape, wShape, yShape, geometry)
                : WeightGradient(ctx, x, g, xShape, wShape, yShape, geometry, group);
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
    /// One group: dW = Σ_n dY[n] · cols[n]ᵀ, where cols (im2col of X: each input channel's k window values at every
    /// output position) comes from one strided Slice of the padded X per window offset. The product
    /// is a batched MatMul over n, summed, then laid out as [M, C, k…]. This keeps both halves on fast kernels;
    /// the Conv-over-transposed-tensors form needs an output-sized kernel, which ONNX Runtime runs an order of
    /// magnitude slower than the forward convolution.
    /// </summary>
    private static string WeightGradientByColumns(GradientContext ctx, string x, string dy, long[] xShape, long[] wShape, long[] yShape,
        ConvGeometry geometry)
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
        var dyByPosition = ctx.Node("Transpose", [ctx.Reshape(dy, [n, m, positions])], Attr.Ints("perm", 0, 2, 1));
        var perSample = ctx.Node("MatMul", [ctx.Reshape(columns, [n, c * window, positions]), dyByPosition]); // [N, C·K, M]
        var summed = ctx.ReduceSum(perSample, [0], keepDims: false);
        return ctx.Reshape(ctx.Node("Transpose", [summed], Attr.Ints("perm", 1, 0)), wShape);
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
