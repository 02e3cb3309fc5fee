using NasiOnnx.Engine.Graphs;
using Onnx;

namespace NasiOnnx.Engine.Autodiff.Rules;

/// <summary>Reductions and Split: every input element receives its output's cotangent.</summary>
internal static class ReductionRules
{
    /// <summary>ReduceSum (axes as input, opset 13+): dy broadcast back over the reduced axes.</summary>
    public static string?[] ReduceSum(GradientContext ctx, NodeProto node, IReadOnlyList<string?> dy)
    {
        var grads = new string?[node.Input.Count];
        grads[0] = Spread(ctx, node, dy[0]!, AxesFromInput(ctx, node), scale: 1);
        return grads;
    }

    /// <summary>ReduceMean (axes as attribute up to opset 17): dy / count broadcast back over the reduced axes.</summary>
    public static string?[] ReduceMean(GradientContext ctx, NodeProto node, IReadOnlyList<string?> dy)
    {
        var xShape = ctx.Shape(node.Input[0]);
        var axes = Axes(node.GetInts("axes"), xShape.Length);
        var count = axes.Aggregate(1L, (n, a) => n * xShape[a]);
        return [Spread(ctx, node, dy[0]!, axes, scale: 1f / count)];
    }

    /// <summary>Split: the outputs' cotangents concatenated back, zeros for outputs nothing reads.</summary>
    public static string?[] Split(GradientContext ctx, NodeProto node, IReadOnlyList<string?> dy)
    {
        var rank = ctx.Shape(node.Input[0]).Length;
        var axis = node.GetInt("axis", 0);
        if (axis < 0) axis += rank;
        var parts = node.Output.Select((o, i) => dy[i] ?? ctx.Zeros(ctx.Shape(o))).ToList();
        var grads = new string?[node.Input.Count];
        grads[0] = ctx.Node("Concat", parts, Attr.Int("axis", axis));
        return grads;
    }

    private static long[] AxesFromInput(GradientContext ctx, NodeProto node)
    {
        var rank = ctx.Shape(node.Input[0]).Length;
        if (node.Input.Count < 2 || node.Input[1].Length == 0)
            return node.GetInt("noop_with_empty_axes", 0) == 1 ? [] : Enumerable.Range(0, rank).Select(a => (long)a).ToArray();
        var axes = ctx.ConstantInts(node.Input[1])
                   ?? throw GradientContext.Unsupported(node, "its axes are computed in the graph, not constant");
        return Axes(axes, rank);
    }

    private static long[] Axes(long[]? axes, int rank) =>
        (axes ?? Enumerable.Range(0, rank).Select(a => (long)a).ToArray()).Select(a => a < 0 ? a + rank : a).Order().ToArray();

    private static string Spread(GradientContext ctx, NodeProto node, string dy, long[] axes, float scale)
    {
        var xShape = ctx.Shape(node.Input[0]);
        var kept = xShape.Select((d, i) => axes.Contains(i) ? 1 : d).ToArray(); // the keepdims=1 shape of dy
        var g = ctx.Reshape(dy, kept);
        if (scale != 1) g = ctx.Node("Mul", [g, ctx.Scalar(scale)]);
        return ctx.Node("Expand", [g, ctx.Ints(xShape)]);
    }
}
