using NasiOnnx.Engine.Graphs;
using Onnx;

namespace NasiOnnx.Engine.Autodiff.Rules;

/// <summary>Bilinear products: each operand's gradient is a product of the cotangent with the other operand.</summary>
internal static class LinearRules
{
    /// <summary>
    /// Gemm: y = α·A'B' + β·C with A' = transA ? Aᵀ : A (B' likewise). dA' = α·dy·B'ᵀ and dB' = α·A'ᵀ·dy, each
    /// written as one Gemm whose trans flags also undo the forward transposition; dC = β·dy un-broadcast.
    /// </summary>
    public static string?[] Gemm(GradientContext ctx, NodeProto node, IReadOnlyList<string?> dy)
    {
        var (a, b, g) = (node.Input[0], node.Input[1], dy[0]!);
        var alpha = node.GetFloat("alpha", 1f);
        var beta = node.GetFloat("beta", 1f);
        var transA = node.GetInt("transA", 0) != 0;
        var transB = node.GetInt("transB", 0) != 0;
        var grads = new string?[node.Input.Count];
        if (ctx.Needs(node, 0))
            grads[0] = transA
                ? Product(ctx, b, g, alpha, transB, true)   // A = (α·B'·dyᵀ)
                : Product(ctx, g, b, alpha, false, !transB); // A = α·dy·B'ᵀ
        if (ctx.Needs(node, 1))
            grads[1] = transB
                ? Product(ctx, g, a, alpha, true, transA)   // B = α·dyᵀ·A'
                : Product(ctx, a, g, alpha, !transA, false); // B = α·A'ᵀ·dy
        if (ctx.Needs(node, 2))
        {
            var scaled = beta == 1f ? g : ctx.Node("Mul", [g, ctx.Scalar(beta)]);
            grads[2] = ctx.Unbroadcast(scaled, ctx.Shape(node.Output[0]), ctx.Shape(node.Input[2]));
        }
        return grads;
    }

    /// <summary>MatMul with numpy semantics: batch dimensions broadcast, a 1-D operand is promoted to a matrix
    /// (and its axis removed from the output); the gradients are formed on the promoted shapes.</summary>
    public static string?[] MatMul(GradientContext ctx, NodeProto node, IReadOnlyList<string?> dy)
    {
        var (a, b) = (node.Input[0], node.Input[1]);
        var aShape = ctx.Shape(a);
        var bShape = ctx.Shape(b);
        var aP = aShape.Length == 1 ? [1, aShape[0]] : aShape;
        var bP = bShape.Length == 1 ? [bShape[0], 1] : bShape;
        var batch = Broadcast(aP[..^2], bP[..^2]);
        long[] yP = [.. batch, aP[^2], bP[^1]];
        var g = yP.SequenceEqual(ctx.Shape(node.Output[0])) ? dy[0]! : ctx.Reshape(dy[0]!, yP);
        var grads = new string?[2];
        if (ctx.Needs(node, 0))
        {
            var bT = TransposeLastTwo(ctx, bP.SequenceEqual(bShape) ? b : ctx.Reshape(b, bP), bP.Length);
            var full = ctx.Node("MatMul", [g, bT]);
            grads[0] = Restore(ctx, ctx.Unbroadcast(full, [.. batch, aP[^2], aP[^1]], aP), aP, aShape);
        }
        if (ctx.Needs(node, 1))
        {
            var aT = TransposeLastTwo(ctx, aP.SequenceEqual(aShape) ? a : ctx.Reshape(a, aP), aP.Length);
            var full = ctx.Node("MatMul", [aT, g]);
            grads[1] = Restore(ctx, ctx.Unbroadcast(full, [.. batch, bP[^2], bP[^1]], bP), bP, bShape);
        }
        return grads;
    }

    private static string Product(GradientContext ctx, string x, string y, float alpha, bool transX, bool transY) =>
        ctx.Node("Gemm", [x, y], Attr.Float("alpha", alpha), Attr.Int("transA", transX ? 1 : 0), Attr.Int("transB", transY ? 1 : 0));

    private static string TransposeLastTwo(GradientContext ctx, string x, int rank)
    {
        var perm = Enumerable.Range(0, rank).Select(i => (long)i).ToArray();
        (perm[^1], perm[^2]) = (perm[^2], perm[^1]);
        return ctx.Node("Transpose", [x], Attr.Ints("perm", perm));
    }

    private static string Restore(GradientContext ctx, string grad, long[] promoted, long[] original) =>
        promoted.SequenceEqual(original) ? grad : ctx.Reshape(grad, original);

    private static long[] Broadcast(long[] x, long[] y)
    {
        var rank = Math.Max(x.Length, y.Length);
        var result = new long[rank];
        for (var i = 0; i < rank; i++)
        {
            var dx = i < rank - x.Length ? 1 : x[i - (rank - x.Length)];
            var dy = i < rank - y.Length ? 1 : y[i - (rank - y.Length)];
            result[i] = dx == 1 ? dy : dx;
        }
        return result;
    }
}
