using NasiOnnx.Engine.Graphs;
using Onnx;

namespace NasiOnnx.Engine.Autodiff.Rules;

/// <summary>Pooling: gradients route dy back to the positions each window read.</summary>
internal static class PoolRules
{
    /// <summary>
    /// MaxPool: recompute the pool with its Indices output (the forward usually declares only Y, and the indexed
    /// kernel is slower, so the forward keeps its fast path), then scatter-add dy at those flat positions into zeros.
    /// ONNX Runtime's indices count over the whole tensor (batch and channel included), so one flat scatter does it.
    /// </summary>
    public static string?[] MaxPool(GradientContext ctx, NodeProto node, IReadOnlyList<string?> dy)
    {
        if (node.GetInt("storage_order", 0) != 0) throw GradientContext.Unsupported(node, "storage_order 1");
        var x = node.Input[0];
        var xShape = ctx.Shape(x);
        var yCount = Tensor.Count(ctx.Shape(node.Output[0]));
        var indices = node.Output.Count > 1 && node.Output[1].Length > 0
            ? node.Output[1]
            : ctx.Builder.NodeN("MaxPool", [x], 2, node.Attribute.Select(a => a.Clone()).ToArray())[1];
        var scattered = ctx.Node("ScatterElements",
            [ctx.Zeros([Tensor.Count(xShape)]), ctx.Reshape(indices, [yCount]), ctx.Reshape(dy[0]!, [yCount])],
            Attr.Int("axis", 0), Attr.String("reduction", "add"));
        return [ctx.Reshape(scattered, xShape)];
    }

    /// <summary>
    /// AveragePool: divide dy by each window's element count (a static map: it depends on pads and
    /// count_include_pad only), then spread it over the window with a depthwise ConvTranspose of ones (stride 1:
    /// an AveragePool, which is the same sum); where every window has the same count, the ConvTranspose's kernel
    /// holds 1/count instead.
    /// </summary>
    public static string?[] AveragePool(GradientContext ctx, NodeProto node, IReadOnlyList<string?> dy)
    {
        var xShape = ctx.Shape(node.Input[0]);
        var yShape = ctx.Shape(node.Output[0]);
        var kernel = node.GetInts("kernel_shape") ?? throw GradientContext.Unsupported(node, "no kernel_shape");
        var geometry = ConvGeometry.Of(node, xShape, yShape, kernel);
        if (geometry.Dilations.Any(d => d != 1)) throw GradientContext.Unsupported(node, "dilations");
        var includePad = node.GetInt("count_include_pad", 0) != 0;

        // Stride 1 spreads with a pooling op that divides by the window size again: fold that size in here.
        var asPool = geometry.IsStrideOne && geometry.FitsFlippedConv;
        var factor = asPool ? Tensor.Count(kernel) : 1f;
        var counts = WindowCounts(geometry, includePad);
        var uniform = counts.All(v => v == counts[0]);
        // A count shared by every window goes into the ConvTranspose's kernel below, so no Mul is left for ONNX
        // Runtime to fuse into the convolution before it at each session.
        var inKernel = uniform && !asPool;
        string scaled;
        if (inKernel)
            scaled = dy[0]!;
        else if (uniform)
            scaled = ctx.Node("Mul", [dy[0]!, ctx.Scalar(factor / counts[0])]);
        else
        {
            long[] mapShape = [1, 1, .. geometry.Output];
            var inverse = ctx.Builder.FloatConstant("grad_pool_inverse_counts", counts.Select(v => factor / v).ToArray(), mapShape);
            scaled = ctx.Node("Mul", [dy[0]!, inverse]);
        }

        if (asPool)
        {
            // Stride 1: spreading over each window is itself a sum over windows, i.e. K · AveragePool with pads
            // k−1−p counting pads, on ONNX Runtime's fast pooling kernel (K folded into the scale above).
            long[] pads = [.. kernel.Select((k, i) => k - 1 - geometry.PadsBegin[i]), .. kernel.Select((k, i) => k - 1 - geometry.PadsEnd[i])];
            return [ctx.Node("AveragePool", [scaled], Attr.Ints("kernel_shape", kernel), Attr.Ints("pads", pads), Attr.Int("count_include_pad", 1))];
        }
        var channels = xShape[1];
        var weight = inKernel ? 1f / counts[0] : 1f;
        var spread = ctx.Builder.FloatConstant("grad_pool_spread", Enumerable.Repeat(weight, (int)(channels * Tensor.Count(kernel))).ToArray(), [channels, 1, .. kernel]);
        var (transposePads, outputPadding) = geometry.TransposeSettings();
        return [ctx.Node("ConvTranspose", [scaled, spread],
            Attr.Ints("strides", geometry.Strides), Attr.Ints("pads", transposePads), Attr.Ints("output_padding", outputPadding),
            Attr.Int("group", channels), Attr.Ints("kernel_shape", kernel))];
    }

    /// <summary>GlobalAveragePool: every position receives dy / (spatial size).</summary>
    public static string?[] GlobalAveragePool(GradientContext ctx, NodeProto node, IReadOnlyList<string?> dy)
    {
        var xShape = ctx.Shape(node.Input[0]);
        var area = Tensor.Count(xShape[2..]);
        var scaled = ctx.Node("Mul", [dy[0]!, ctx.Scalar(1f / area)]);
        return [ctx.Node("Expand", [scaled, ctx.Ints(xShape)])];
    }

    /// <summary>Elements each output window averages, row-major over the output's spatial positions.</summary>
    private static float[] WindowCounts(ConvGeometry g, bool includePad)
    {
        var outputs = (int)Tensor.Count(g.Output);
        var counts = new float[outputs];
        var position = new long[g.Rank];
        for (var flat = 0; flat < outputs; flat++)
        {
            long rest = flat, count = 1;
            for (var d = g.Rank - 1; d >= 0; d--) { position[d] = rest % g.Output[d]; rest /= g.Output[d]; }
            for (var d = 0; d < g.Rank; d++)
            {
                var start = position[d] * g.Strides[d] - g.PadsBegin[d];
                var end = start + g.Kernel[d];
                // Padded cells count under count_include_pad, but never cells beyond the pads (ceil_mode overhang).
                var (lo, hi) = includePad ? (-g.PadsBegin[d], g.Input[d] + g.PadsEnd[d]) : (0L, g.Input[d]);
                count *= Math.Max(0, Math.Min(end, hi) - Math.Max(start, lo));
            }
            counts[flat] = count;
        }
        return counts;
    }
}
