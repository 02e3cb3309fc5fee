using NasiOnnx.Engine.Graphs;
using Onnx;

namespace NasiOnnx.Engine.Autodiff.Rules;

/// <summary>Ops that only move values: each gradient moves them back (reshape, inverse permutation, split,
/// pad ↔ slice). Shape-like inputs (shapes, pads, starts, …) get no gradient.</summary>
internal static class ShapeRules
{
    /// <summary>Flatten, Reshape, Squeeze, Unsqueeze: reshape dy back to the input's static shape.</summary>
    public static string?[] Reshape(GradientContext ctx, NodeProto node, IReadOnlyList<string?> dy)
    {
        var grads = new string?[node.Input.Count];
        grads[0] = ctx.Reshape(dy[0]!, ctx.Shape(node.Input[0]));
        return grads;
    }

    public static string?[] Transpose(GradientContext ctx, NodeProto node, IReadOnlyList<string?> dy)
    {
        var rank = ctx.Shape(node.Input[0]).Length;
        var perm = node.GetInts("perm") ?? Enumerable.Range(0, rank).Reverse().Select(i => (long)i).ToArray();
        var inverse = new long[rank];
        for (var i = 0; i < rank; i++) inverse[perm[i]] = i;
        return [ctx.Node("Transpose", [dy[0]!], Attr.Ints("perm", inverse))];
    }

    /// <summary>Concat: split dy along the axis into the inputs' extents.</summary>
    public static string?[] Concat(GradientContext ctx, NodeProto node, IReadOnlyList<string?> dy)
    {
        var rank = ctx.Shape(node.Output[0]).Length;
        var axis = Normalize(node.GetInt("axis", 0), rank);
        var sizes = node.Input.Select(i => ctx.Shape(i)[axis]).ToArray();
        var parts = ctx.Builder.NodeN("Split", [dy[0]!, ctx.Ints(sizes)], node.Input.Count, Attr.Int("axis", axis));
        return node.Input.Select((input, i) => ctx.Needs(input) ? parts[i] : null).ToArray();
    }

    /// <summary>
    /// Slice with constant starts/ends/axes/steps: with unit steps the gradient is dy zero-padded back to the
    /// input's extent; other steps scatter dy into zeros at the selected flat positions (computed here, statically).
    /// </summary>
    public static string?[] Slice(GradientContext ctx, NodeProto node, IReadOnlyList<string?> dy)
    {
        var shape = ctx.Shape(node.Input[0]);
        var selected = SelectedIndices(ctx, node, shape);
        var grads = new string?[node.Input.Count];
        if (selected.All(s => s.Step == 1))
        {
            var pads = new long[2 * shape.Length];
            for (var d = 0; d < shape.Length; d++)
            {
                pads[d] = selected[d].Start;
                pads[shape.Length + d] = shape[d] - selected[d].Start - selected[d].Count;
            }
            grads[0] = ctx.Node("Pad", [dy[0]!, ctx.Ints(pads)]);
            return grads;
        }
        var flat = FlatPositions(selected, shape);
        var total = Tensor.Count(shape);
        var positions = ctx.Builder.Int64Constant("grad_slice_positions", flat);
        var scattered = ctx.Node("ScatterElements", [ctx.Zeros([total]), positions, ctx.Reshape(dy[0]!, [flat.Length])], Attr.Int("axis", 0));
        grads[0] = ctx.Reshape(scattered, shape);
        return grads;
    }

    /// <summary>Pad (constant mode): slice the input's region out of dy; regions the forward cropped (negative
    /// pads) are padded back with zeros.</summary>
    public static string?[] Pad(GradientContext ctx, NodeProto node, IReadOnlyList<string?> dy)
    {
        var mode = node.GetString("mode", "constant");
        if (mode != "constant") throw GradientContext.Unsupported(node, $"mode '{mode}' (only constant padding has a rule)");
        if (node.Input.Count > 3 && node.Input[3].Length > 0) throw GradientContext.Unsupported(node, "the axes input");
        var shape = ctx.Shape(node.Input[0]);
        var rank = shape.Length;
        var pads = (node.Input.Count > 1 ? ctx.ConstantInts(node.Input[1]) : node.GetInts("pads"))
                   ?? throw GradientContext.Unsupported(node, "pads that are not constant");
        var starts = new long[rank];
        var ends = new long[rank];
        var restore = new long[2 * rank];
        for (var d = 0; d < rank; d++)
        {
            var cropBegin = Math.Max(0, -pads[d]);
            var cropEnd = Math.Max(0, -pads[rank + d]);
            starts[d] = Math.Max(0, pads[d]);
            ends[d] = starts[d] + shape[d] - cropBegin - cropEnd;
            restore[d] = cropBegin;
            restore[rank + d] = cropEnd;
        }
        var axes = Enumerable.Range(0, rank).Select(i => (long)i).ToArray();
        var inner = ctx.Node("Slice", [dy[0]!, ctx.Ints(starts), ctx.Ints(ends), ctx.Ints(axes)]);
        var grads = new string?[node.Input.Count];
        grads[0] = restore.All(p => p == 0) ? inner : ctx.Node("Pad", [inner, ctx.Ints(restore)]);
        return grads;
    }

    /// <summary>Per axis, which input positions the slice reads; its starts, ends, axes and steps must be constant.</summary>
    private static SliceSelection[] SelectedIndices(GradientContext ctx, NodeProto node, long[] shape)
    {
        long[] Required(int i, string what) =>
            (i < node.Input.Count ? ctx.ConstantInts(node.Input[i]) : null) ?? throw GradientContext.Unsupported(node, $"{what} that are not constant");
        var starts = Required(1, "starts");
        var ends = Required(2, "ends");
        var axes = node.Input.Count > 3 && node.Input[3].Length > 0 ? Required(3, "axes") : null;
        var steps = node.Input.Count > 4 && node.Input[4].Length > 0 ? Required(4, "steps") : null;
        return SliceSelection.Of(shape, starts, ends, axes, steps);
    }

    private static long[] FlatPositions(SliceSelection[] selected, long[] shape)
    {
        var strides = new long[shape.Length];
        for (long s = 1, d = shape.Length - 1; d >= 0; s *= shape[d], d--) strides[d] = s;
        var positions = new List<long> { 0 };
        for (var d = 0; d < shape.Length; d++)
        {
            var next = new List<long>(positions.Count * (int)selected[d].Count);
            foreach (var p in positions)
                for (long i = 0; i < selected[d].Count; i++)
                    next.Add(p + (selected[d].Start + i * selected[d].Step) * strides[d]);
            positions = next;
        }
        return positions.ToArray();
    }

    internal static int Normalize(long axis, int rank) => (int)(axis < 0 ? axis + rank : axis);
}
