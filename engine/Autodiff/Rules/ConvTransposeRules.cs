using NasiOnnx.Engine.Graphs;
using Onnx;

namespace NasiOnnx.Engine.Autodiff.Rules;

/// <summary>Transposed convolution, whose gradients are those of the Conv it is the adjoint of.</summary>
internal static class ConvTransposeRules
{
    /// <summary>
    /// ConvTranspose(X [N,C,…], W [C,M/g,k…], B [M]) → Y [N,M,…] is the adjoint of Conv(·, W) with the same strides,
    /// dilations, pads and group: Y[n,m,o] = Σ_(c,t) X[n,c,i]·W[c,m',t] over o = i·s + t·d − p_begin (+ B[m]). So
    /// dX[n,c,i] = Σ_(m,t) dY[n,m,i·s+t·d−p_begin]·W[c,m',t] = Conv(dY, W) with those attributes (output_padding rows
    /// and cropped rows are simply never read back);
    /// dW[c,m',t] = Σ_(n,i) X[n,c,i]·dY[n,m,i·s+t·d−p_begin], the weight gradient of that same Conv with X as its
    /// output cotangent (<see cref="ConvRules.WeightGradient"/>); dB = Σ dY over batch and space.
    /// auto_pad and output_shape resolve to explicit pads from the static shapes.
    /// </summary>
    public static string?[] ConvTranspose(GradientContext ctx, NodeProto node, IReadOnlyList<string?> dy)
    {
        var (x, w) = (node.Input[0], node.Input[1]);
        var xShape = ctx.Shape(x);
        var wShape = ctx.Shape(w);
        var yShape = ctx.Shape(node.Output[0]);
        var group = node.GetInt("group", 1);
        var adjoint = AdjointGeometry(node, xShape, yShape, wShape[2..]);
        var g = dy[0]!;
        var grads = new string?[node.Input.Count];
        if (ctx.Needs(node, 0))
            grads[0] = ctx.Node("Conv", [g, w], Attr.Ints("strides", adjoint.Strides), Attr.Ints("dilations", adjoint.Dilations),
                Attr.Ints("pads", adjoint.Pads), Attr.Int("group", group), Attr.Ints("kernel_shape", adjoint.Kernel));
        if (ctx.Needs(node, 1))
            grads[1] = ConvRules.WeightGradient(ctx, g, x, yShape, wShape, xShape, adjoint, group);
        if (ctx.Needs(node, 2))
            grads[2] = ctx.ReduceSum(g, ConvRules.SumAxes(yShape.Length), keepDims: false);
        return grads;
    }

    /// <summary>
    /// The geometry of the Conv from Y's extent back to X's: the forward's kernel, strides and dilations, its begin
    /// pads, and end pads p_end = s·(in − 1) + output_padding + d·(k − 1) + 1 − out − p_begin, which hold for explicit
    /// pads, output_shape and auto_pad alike. Where the total is derived, begin pads follow ONNX Runtime's split, which the
    /// FD cases pin: SAME_UPPER puts the odd cell at the end, SAME_LOWER and output_shape at the start.
    /// </summary>
    internal static ConvGeometry AdjointGeometry(NodeProto node, long[] xShape, long[] yShape, long[] kernel)
    {
        var rank = xShape.Length - 2;
        var (input, output) = (xShape[2..], yShape[2..]);
        var strides = node.GetInts("strides") ?? Ones(rank);
        var dilations = node.GetInts("dilations") ?? Ones(rank);
        var outputPadding = node.GetInts("output_padding") ?? new long[rank];
        var autoPad = node.GetString("auto_pad", "NOTSET");
        if (autoPad is not ("NOTSET" or "SAME_UPPER" or "SAME_LOWER" or "VALID"))
            throw GradientContext.Unsupported(node, $"auto_pad '{autoPad}'");
        var derived = autoPad is "SAME_UPPER" or "SAME_LOWER" || (autoPad == "NOTSET" && node.Find("output_shape") is not null);
        var explicitPads = autoPad == "NOTSET" && !derived ? node.GetInts("pads") ?? new long[2 * rank] : new long[2 * rank];
        var begin = new long[rank];
        var end = new long[rank];
        for (var i = 0; i < rank; i++)
        {
            if (outputPadding[i] >= strides[i]) throw GradientContext.Unsupported(node, $"output_padding {outputPadding[i]} not below its stride {strides[i]}");
            var full = strides[i] * (input[i] - 1) + outputPadding[i] + dilations[i] * (kernel[i] - 1) + 1;
            var total = full - output[i];
            if (total < 0) throw GradientContext.Unsupported(node, $"an output extent {output[i]} beyond the full {full} along spatial axis {i}");
            begin[i] = derived ? (autoPad == "SAME_UPPER" ? total / 2 : total - total / 2) : explicitPads[i];
            end[i] = total - begin[i];
            if (end[i] < 0) throw GradientContext.Unsupported(node, $"pads that disagree with the output extent {output[i]} along spatial axis {i}");
        }
        return new ConvGeometry(output, input, kernel, strides, dilations, begin, end);
    }

    private static long[] Ones(int n) => Enumerable.Repeat(1L, n).ToArray();
}
