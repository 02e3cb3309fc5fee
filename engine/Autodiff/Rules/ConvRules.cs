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
    /// dW = im2col of X by one Gather, then one MatMul with dY over positions and samples, batched over groups.
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
        string flipped;
        if (ctx.ConstantWeight(w) is var (data, dims))
            flipped = ctx.Builder.FloatConstant(w + "/flipped", Flip(data, dims), [dims[1], dims[0], .. dims[2..]]); // folded here, not at every session creation
        else
        {
            var spatialAxes = Enumerable.Range(2, rank).Select(i => (long)i).ToArray();
            var swapped = ctx.Node("Transpose", [w], Attr.Ints("perm", [1, 0, .. spatialAxes]));
            flipped = ctx.Node("Slice", [swapped, ctx.Ints(Enumerable.Repeat(-1L, rank).ToArray()),
                ctx.Ints(Enumerable.Repeat(long.MinValue, rank).ToArray()), ctx.Ints(spatialAxes), ctx.Ints(Enumerable.Repeat(-1L, rank).ToArray())]);
        }
        var reach = geometry.Kernel.Select((k, i) => (k - 1) * geometry.Dilations[i]).ToArray();
        long[] pads = [.. reach.Select((r, i) => r - geometry.PadsBegin[i]), .. reach.Select((r, i) => r - geometry.PadsEnd[i])];
        return ctx.Node("Conv", [dy, flipped], Attr.Ints("dilations", geometry.Dilations), Attr.Ints("pads", pads), Attr.Ints("kernel_shape", geometry.Kernel));
    }

    /// <summary>
    /// dW[m, c, q] = Σ_(p,n) dY[n, m, p] · cols[c, q, p, n]: one GEMM whose inner dimension runs over every output
    /// position and sample at once, batched over groups only. cols (im2col: input channel c's value at window
    /// offset q of output position p, for each sample) is a single Gather from X laid out as [C, padded space, N]:
    /// each index picks a padded position, and copies all N samples there as one contiguous block. Any stride,
    /// dilation or padding is then just a different index table.
    /// (Strided Slices per offset and a Concat cost twice the copies; a GEMM per sample plus a sum over samples,
    /// a one-hot Conv for im2col, or dY as an output-sized Conv kernel all ran slower on ONNX Runtime's CPU kernels.)
    /// </summary>
    internal static string WeightGradient(GradientContext ctx, string x, string dy, long[] xShape, long[] wShape, long[] yShape,
        ConvGeometry geometry, long group)
    {
        var (n, c, m) = (xShape[0], xShape[1], yShape[1]);
        var rank = geometry.Rank;
        if (ctx.Kernels == GradientKernelMode.Fused && rank == 2 && group == 1 && geometry.IsStrideOne)
        {
            // Stride 1, one group: the GEMM straight from X and dY (Kernels/ConvWeightGradient.cs), no columns in memory.
            return ctx.Fused(Kernels.GradientKernels.ConvWeightGrad, [x, dy], [wShape], Attr.Ints("kernel_shape", geometry.Kernel),
                Attr.Ints("pads", geometry.Pads), Attr.Ints("dilations", geometry.Dilations))[0];
        }
        if (ctx.Kernels == GradientKernelMode.Fused && rank == 2)
            return FusedWeightGradient(ctx, x, dy, wShape, yShape, geometry, group);
        var window = Tensor.Count(geometry.Kernel);
        var positions = Tensor.Count(geometry.Output);
        long[] samplesLast = [1, .. Enumerable.Range(2, rank).Select(i => (long)i), 0];
        var xBySpace = ctx.Node("Transpose", [x], Attr.Ints("perm", samplesLast)); // [C, spatial…, N]
        var padded = geometry.Pads.Any(p => p != 0)
            ? ctx.Node("Pad", [xBySpace, ctx.Ints([0, .. geometry.PadsBegin, 0, 0, .. geometry.PadsEnd, 0])])
            : xBySpace;
        var paddedExtent = geometry.Input.Select((e, i) => e + geometry.PadsBegin[i] + geometry.PadsEnd[i]).ToArray();
        var flat = ctx.Reshape(padded, [c, Tensor.Count(paddedExtent), n]);
        var columns = window == 1 && geometry.IsStrideOne && geometry.Pads.All(p => p == 0)
            ? flat // a pointwise, unstrided conv: im2col is X itself
            : ctx.Node("Gather", [flat, ctx.Ints(Im2ColIndices(geometry, paddedExtent))], Attr.Int("axis", 1)); // [C, K·P, N]
        var (cg, mg) = (c / group, m / group);
        var cols = ctx.Reshape(columns, [group, cg * window, positions * n]);
        var dyBySpace = ctx.Reshape(ctx.Node("Transpose", [dy], Attr.Ints("perm", samplesLast)), [group, mg, positions * n]);
        var product = ctx.Node("MatMul", [cols, ctx.Node("Transpose", [dyBySpace], Attr.Ints("perm", 0, 2, 1))]); // [g, C/g·K, M/g]
        return ctx.Reshape(ctx.Node("Transpose", [product], Attr.Ints("perm", 0, 2, 1)), wShape);
    }

    /// <summary>
    /// The same GEMM with the columns from the Im2Col kernel, in one pass from X: columns run over samples, then
    /// positions ([C·K, N·P]), so dY needs only its first two axes swapped ([M, N·P]) to match.
    /// </summary>
    private static string FusedWeightGradient(GradientContext ctx, string x, string dy, long[] wShape, long[] yShape,
        ConvGeometry geometry, long group)
    {
        var (n, m) = (yShape[0], yShape[1]);
        var c = wShape[1] * group;
        var window = Tensor.Count(geometry.Kernel);
        var positions = Tensor.Count(geometry.Output);
        var columns = ctx.Fused(Kernels.GradientKernels.Im2Col, [x], [[c * window, n * positions]], Attr.Ints("kernel_shape", geometry.Kernel),
            Attr.Ints("strides", geometry.Strides), Attr.Ints("pads", geometry.Pads), Attr.Ints("dilations", geometry.Dilations),
            Attr.Ints("output_shape", geometry.Output))[0];
        var (cg, mg) = (c / group, m / group);
        // One Gemm, dY as A and the columns transposed as B: no transposes for ONNX Runtime to fold into a FusedMatMul at
        // each session (the faster order, columns as A then a Transpose, its GemmTransposeFusion swaps back).
        if (group == 1)
            return ctx.Reshape(ctx.Node("Gemm", [ctx.Reshape(ctx.Node("Transpose", [dy], Attr.Ints("perm", 1, 0, 2, 3)), [m, n * positions]),
                ctx.Reshape(columns, [c * window, n * positions])], Attr.Int("transB", 1)), wShape);
        var cols = ctx.Reshape(columns, [group, cg * window, n * positions]);
        var dyByChannel = ctx.Reshape(ctx.Node("Transpose", [dy], Attr.Ints("perm", 1, 0, 2, 3)), [group, mg, n * positions]);
        var product = ctx.Node("MatMul", [cols, ctx.Node("Transpose", [dyByChannel], Attr.Ints("perm", 0, 2, 1))]); // [g, C/g·K, M/g]
        return ctx.Reshape(ctx.Node("Transpose", [product], Attr.Ints("perm", 0, 2, 1)), wShape);
    }

    /// <summary>W [M, C, k…] → W' [C, M, k…] with every spatial axis reversed: W'[c, m, t] = W[m, c, K − 1 − t].</summary>
    internal static float[] Flip(float[] w, long[] dims)
    {
        var (m, c, window) = (dims[0], dims[1], (int)Tensor.Count(dims[2..]));
        var flipped = new float[w.Length];
        for (long i = 0; i < m; i++)
            for (long j = 0; j < c; j++)
            {
                var from = (i * c + j) * window;
                var to = (j * m + i) * window;
                for (var t = 0; t < window; t++) flipped[to + window - 1 - t] = w[from + t]; // reversing the flat window reverses every axis
            }
        return flipped;
    }

    /// <summary>For window offset q and output position p (row-major over the kernel and output extents), the
    /// row-major index into the padded input of the element that the kernel's tap q reads for output p.</summary>
    internal static long[] Im2ColIndices(ConvGeometry geometry, long[] paddedExtent)
    {
        var rank = geometry.Rank;
        var window = Tensor.Count(geometry.Kernel);
        var positions = Tensor.Count(geometry.Output);
        var indices = new long[window * positions];
        var tap = new long[rank];
        var at = new long[rank];
        for (var q = 0; q < window; q++)
        {
            Unravel(q, geometry.Kernel, tap);
            for (var p = 0; p < positions; p++)
            {
                Unravel(p, geometry.Output, at);
                long flat = 0;
                for (var d = 0; d < rank; d++)
                    flat = flat * paddedExtent[d] + at[d] * geometry.Strides[d] + tap[d] * geometry.Dilations[d];
                indices[q * positions + p] = flat;
            }
        }
        return indices;
    }

    private static void Unravel(long index, long[] extent, long[] into)
    {
        for (var d = extent.Length - 1; d >= 0; d--) { into[d] = index % extent[d]; index /= extent[d]; }
    }

    internal static long[] SumAxes(int rank) => [0, .. Enumerable.Range(2, rank - 2).Select(i => (long)i)];
}
