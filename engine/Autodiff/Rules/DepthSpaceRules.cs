using NasiOnnx.Engine.Graphs;
using Onnx;

namespace NasiOnnx.Engine.Autodiff.Rules;

/// <summary>
/// DepthToSpace and SpaceToDepth are, by their ONNX definitions, Reshape → Transpose(perm) → Reshape: a permutation of
/// elements, whose VJP is the inverse permutation, i.e. dY reshaped to the transposed shape, transposed by perm⁻¹ and
/// reshaped to X's shape.
/// </summary>
internal static class DepthSpaceRules
{
    /// <summary>DCR: X [N,C,H,W] → [N,b,b,C/b²,H,W] → perm (0,3,4,1,5,2); CRD: → [N,C/b²,b,b,H,W] → perm (0,1,4,2,5,3).</summary>
    public static string?[] DepthToSpace(GradientContext ctx, NodeProto node, IReadOnlyList<string?> dy)
    {
        var x = ctx.Shape(node.Input[0]);
        var b = node.GetInt("blocksize", 0);
        if (x.Length != 4 || b < 1) throw GradientContext.Unsupported(node, $"an input of rank {x.Length} or blocksize {b}");
        var mode = node.GetString("mode", "DCR");
        long[] transposed = [x[0], x[1] / (b * b), x[2], b, x[3], b];
        return mode switch
        {
            "DCR" => [Unpermute(ctx, dy[0]!, transposed, [0, 3, 4, 1, 5, 2], x)],
            "CRD" => [Unpermute(ctx, dy[0]!, transposed, [0, 1, 4, 2, 5, 3], x)],
            _ => throw GradientContext.Unsupported(node, $"mode '{mode}'"),
        };
    }

    /// <summary>X [N,C,H,W] → [N,C,H/b,b,W/b,b] → perm (0,3,5,1,2,4) → [N,C·b²,H/b,W/b].</summary>
    public static string?[] SpaceToDepth(GradientContext ctx, NodeProto node, IReadOnlyList<string?> dy)
    {
        var x = ctx.Shape(node.Input[0]);
        var b = node.GetInt("blocksize", 0);
        if (x.Length != 4 || b < 1) throw GradientContext.Unsupported(node, $"an input of rank {x.Length} or blocksize {b}");
        return [Unpermute(ctx, dy[0]!, [x[0], b, b, x[1], x[2] / b, x[3] / b], [0, 3, 5, 1, 2, 4], x)];
    }

    /// <summary>dY viewed as the forward's transposed tensor <paramref name="transposed"/>, moved back by perm⁻¹.</summary>
    private static string Unpermute(GradientContext ctx, string dy, long[] transposed, long[] perm, long[] xShape)
    {
        var inverse = new long[perm.Length];
        for (var i = 0; i < perm.Length; i++) inverse[perm[i]] = i;
        return ctx.Reshape(ctx.Node("Transpose", [ctx.Reshape(dy, transposed)], Attr.Ints("perm", inverse)), xShape);
    }
}
