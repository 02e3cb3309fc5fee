using NasiOnnx.Engine.Graphs;
using Onnx;

namespace NasiOnnx.Engine.Autodiff.Rules;

/// <summary>
/// The spatial geometry of a Conv or pooling node with every default and auto_pad resolved to explicit numbers,
/// from the static input/output shapes; and the ConvTranspose settings that map an output-sized tensor back onto
/// exactly the input's extent.
/// </summary>
internal sealed record ConvGeometry(long[] Input, long[] Output, long[] Kernel, long[] Strides, long[] Dilations, long[] PadsBegin, long[] PadsEnd)
{
    public int Rank => Input.Length;

    public long[] Pads => [.. PadsBegin, .. PadsEnd];

    /// <param name="node">The Conv or pooling node (strides, dilations, pads, auto_pad).</param>
    /// <param name="inputShape">N, C, spatial…</param>
    /// <param name="outputShape">N, M, spatial…</param>
    /// <param name="kernel">Spatial kernel extent.</param>
    public static ConvGeometry Of(NodeProto node, long[] inputShape, long[] outputShape, long[] kernel)
    {
        var rank = inputShape.Length - 2;
        var input = inputShape[2..];
        var output = outputShape[2..];
        var strides = node.GetInts("strides") ?? Ones(rank);
        var dilations = node.GetInts("dilations") ?? Ones(rank);
        var begin = new long[rank];
        var end = new long[rank];
        var autoPad = node.GetString("auto_pad", "NOTSET");
        if (autoPad is "NOTSET")
        {
            var pads = node.GetInts("pads") ?? new long[2 * rank];
            Array.Copy(pads, 0, begin, 0, rank);
            Array.Copy(pads, rank, end, 0, rank);
        }
        else if (autoPad is "SAME_UPPER" or "SAME_LOWER")
        {
            for (var i = 0; i < rank; i++)
            {
                var total = Math.Max(0, (output[i] - 1) * strides[i] + (kernel[i] - 1) * dilations[i] + 1 - input[i]);
                var small = total / 2;
                (begin[i], end[i]) = autoPad == "SAME_UPPER" ? (small, total - small) : (total - small, small);
            }
        }
        else if (autoPad != "VALID")
        {
            throw GradientContext.Unsupported(node, $"auto_pad '{autoPad}'");
        }
        return new ConvGeometry(input, output, kernel, strides, dilations, begin, end);
    }

    /// <summary>
    /// Pads and output_padding for a ConvTranspose (same kernel, strides, dilations) whose output has exactly the
    /// forward input's extent: the forward may leave trailing rows unread (output_padding adds them back) or, for
    /// ceil_mode pooling, read past the end (a larger end pad crops them).
    /// </summary>
    public (long[] Pads, long[] OutputPadding) TransposeSettings()
    {
        var end = (long[])PadsEnd.Clone();
        var outputPadding = new long[Rank];
        for (var i = 0; i < Rank; i++)
        {
            var reach = (Output[i] - 1) * Strides[i] + (Kernel[i] - 1) * Dilations[i] + 1;
            var extra = Input[i] - (reach - PadsBegin[i] - end[i]);
            if (extra >= 0) outputPadding[i] = extra;
            else end[i] -= extra;
        }
        return ([.. PadsBegin, .. end], outputPadding);
    }

    private static long[] Ones(int n) => Enumerable.Repeat(1L, n).ToArray();
}
