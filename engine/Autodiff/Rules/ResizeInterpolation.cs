using NasiOnnx.Engine.Graphs;
using Onnx;

namespace NasiOnnx.Engine.Autodiff.Rules;

/// <summary>
/// The [out, in] interpolation matrix of a Resize along each axis, computed as ONNX Runtime's CPU kernel does (float
/// coordinates, the same clamping), so that its gradient is the transpose of exactly what the forward ran.
/// </summary>
internal static class ResizeInterpolation
{
    /// <summary>One row-major [out, in] matrix per axis, null for axes the node leaves as they are.</summary>
    public static float[]?[] For(NodeProto node, long[] xShape, long[] yShape, float[]? scales)
    {
        var mode = node.GetString("mode", "nearest");
        if (mode == "cubic") throw GradientContext.Unsupported(node, "mode 'cubic' (nearest and linear have rules)");
        if (mode is not ("nearest" or "linear")) throw GradientContext.Unsupported(node, $"mode '{mode}'");
        var transform = node.GetString("coordinate_transformation_mode", "half_pixel");
        if (transform is not ("half_pixel" or "asymmetric" or "align_corners" or "pytorch_half_pixel"))
            throw GradientContext.Unsupported(node, $"coordinate_transformation_mode '{transform}' (half_pixel, asymmetric, align_corners and pytorch_half_pixel have rules)");
        var nearestMode = node.GetString("nearest_mode", "round_prefer_floor");
        if (mode == "nearest" && nearestMode is not ("round_prefer_floor" or "round_prefer_ceil" or "floor" or "ceil"))
            throw GradientContext.Unsupported(node, $"nearest_mode '{nearestMode}'");
        var matrices = new float[]?[xShape.Length];
        for (var axis = 0; axis < xShape.Length; axis++)
        {
            var (input, output) = (xShape[axis], yShape[axis]);
            var scale = scales?[axis] ?? (float)output / input;
            if (input == output && scale == 1f) continue;
            var a = new float[output * input];
            for (long o = 0; o < output; o++)
            {
                var original = Original(transform, o, scale, input, output);
                if (mode == "nearest")
                    a[o * input + Math.Clamp(Nearest(nearestMode, original), 0, input - 1)] = 1;
                else
                {
                    var x = Math.Max(0f, Math.Min(original, input - 1));
                    var x1 = Math.Min((long)x, input - 1);
                    var x2 = Math.Min(x1 + 1, input - 1);
                    var (w1, w2) = x1 == x2 ? (0.5f, 0.5f) : (Math.Abs(x - x2), Math.Abs(x - x1));
                    a[o * input + x1] += w1;
                    a[o * input + x2] += w2;
                }
            }
            matrices[axis] = a;
        }
        return matrices;
    }

    /// <summary>The input coordinate of output index <paramref name="o"/>, in float as ONNX Runtime computes it.</summary>
    private static float Original(string transform, long o, float scale, long input, long output) => transform switch
    {
        "half_pixel" => (o + 0.5f) / scale - 0.5f,
        "pytorch_half_pixel" => output > 1 ? (o + 0.5f) / scale - 0.5f : 0f,
        "align_corners" => output == 1 ? 0f : o * (float)(input - 1) / (output - 1),
        _ => o / scale, // asymmetric
    };

    private static long Nearest(string nearestMode, float x) => nearestMode switch
    {
        "round_prefer_floor" => x == (long)x + 0.5f ? (long)MathF.Floor(x) : (long)MathF.Round(x, MidpointRounding.AwayFromZero),
        "round_prefer_ceil" => (long)MathF.Round(x, MidpointRounding.AwayFromZero),
        "floor" => (long)MathF.Floor(x),
        _ => (long)MathF.Ceiling(x),
    };
}
