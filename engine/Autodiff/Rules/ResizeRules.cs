using NasiOnnx.Engine.Graphs;
using Onnx;

namespace NasiOnnx.Engine.Autodiff.Rules;

/// <summary>
/// Resize (opset 13 signature; Upsample and Resize 10–12 are converted to it by <see cref="OpsetUpgrade"/>). For
/// constant scales or sizes Resize is linear in X and separable: along each resized axis a, y = A_a x with a static
/// [out, in] interpolation matrix A_a (one 1 per row for nearest, two weights per row for linear). So
/// dX = dY contracted along every resized axis with A_a, i.e. dY multiplied by A_aᵀ: one MatMul per axis over a
/// constant matrix, exact for every nearest_mode and coordinate_transformation_mode the matrix is built for.
/// </summary>
internal static class ResizeRules
{
    public static string?[] Resize(GradientContext ctx, NodeProto node, IReadOnlyList<string?> dy)
    {
        var grads = new string?[node.Input.Count];
        if (!ctx.Needs(node, 0)) return grads;
        var xShape = ctx.Shape(node.Input[0]);
        var yShape = ctx.Shape(node.Output[0]);
        var scales = node.Input.Count > 2 && node.Input[2].Length > 0 ? ctx.ConstantFloats(node.Input[2]) : null;
        if (node.Input.Count > 2 && node.Input[2].Length > 0 && scales is null)
            throw GradientContext.Unsupported(node, "scales that are not a constant");
        if (scales is { Length: 0 }) scales = null; // Resize 11–12 wrote an empty scales tensor beside sizes
        if (scales is not null && scales.Length != xShape.Length)
            throw GradientContext.Unsupported(node, $"{scales.Length} scales for an input of rank {xShape.Length}");
        var matrices = ResizeInterpolation.For(node, xShape, yShape, scales);
        var g = dy[0]!;
        var shape = (long[])yShape.Clone();
        for (var axis = 0; axis < xShape.Length; axis++)
        {
            if (matrices[axis] is not { } a) continue; // axis kept as it is
            var (outer, inner) = (Tensor.Count(shape[..axis]), Tensor.Count(shape[(axis + 1)..]));
            if (inner == 1)
            {
                // Last (or trailing-ones) axis: dY [.., out] · A [out, in].
                var matrix = ctx.Builder.FloatConstant("grad_resize_matrix", a, yShape[axis], xShape[axis]);
                g = ctx.Node("MatMul", [ctx.Reshape(g, [outer, yShape[axis]]), matrix]);
            }
            else
            {
                // Any other axis: Aᵀ [in, out] · dY viewed as [outer, out, inner], MatMul broadcasting over outer.
                var transposed = ctx.Builder.FloatConstant("grad_resize_matrix_t", Transpose(a, yShape[axis], xShape[axis]), xShape[axis], yShape[axis]);
                g = ctx.Node("MatMul", [transposed, ctx.Reshape(g, [outer, yShape[axis], inner])]);
            }
            shape[axis] = xShape[axis];
            g = ctx.Reshape(g, shape);
        }
        grads[0] = g;
        return grads;
    }

    private static float[] Transpose(float[] a, long rows, long columns)
    {
        var t = new float[a.Length];
        for (var r = 0; r < rows; r++)
            for (var c = 0; c < columns; c++) t[c * rows + r] = a[r * columns + c];
        return t;
    }
}
