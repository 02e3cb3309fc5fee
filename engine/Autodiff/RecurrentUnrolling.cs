using NasiOnnx.Engine.Autodiff.Rules;
using NasiOnnx.Engine.Graphs;
using Onnx;

namespace NasiOnnx.Engine.Autodiff;

/// <summary>
/// The graph rewrite behind the LSTM, GRU and RNN gradient rules, on its own: every recurrent node replaced by its
/// exact unrolling over the static sequence length (the ops that have gradient rules). The gradient rules emit the
/// same unrolling beside the native node; this form exists so that the unrolling can be run, and checked against
/// ONNX Runtime's own ops, as a forward model.
/// </summary>
public static class RecurrentUnrolling
{
    /// <summary>A copy of <paramref name="model"/> with each LSTM, GRU and RNN node unrolled, for the given input shapes
    /// (graph inputs not listed use their declared static shape).</summary>
    /// <exception cref="GraphException">A recurrent node uses a setting the unrolling does not reproduce (named).</exception>
    public static ModelProto Unroll(ModelProto model, IReadOnlyDictionary<string, long[]> inputShapes)
    {
        var clone = model.Clone();
        var shapes = StaticShapes.For(clone, inputShapes);
        var builder = GraphBuilder.Extend(clone);
        var initializers = clone.Graph.Initializer.ToDictionary(t => t.Name, StringComparer.Ordinal);
        var ints = new Dictionary<string, string>(StringComparer.Ordinal);
        var scalars = new Dictionary<float, string>();
        string Ints(long[] values)
        {
            var key = string.Join(",", values);
            if (!ints.TryGetValue(key, out var name)) ints[key] = name = builder.Int64Constant("unrolled_const", values);
            return name;
        }
        string Scalar(float value)
        {
            if (!scalars.TryGetValue(value, out var name)) scalars[value] = name = builder.FloatConstant("unrolled_scalar", [value]);
            return name;
        }
        long[]? ConstantInts(string value) => initializers.TryGetValue(value, out var t) ? TensorData.ReadInt64s(t) : null;

        foreach (var node in clone.Graph.Node.Where(n => RecurrentCell.GateCounts.ContainsKey(n.OpType) && n.Domain is "" or "ai.onnx").ToList())
        {
            string Output(int i) => i < node.Output.Count ? node.Output[i] : "";
            var unrolled = RecurrentUnroller.Emit(builder, node, shapes.Shape, Ints, Scalar, ConstantInts,
                Output(0).Length > 0, Output(1).Length > 0, Output(2).Length > 0);
            clone.Graph.Node.Remove(node);
            foreach (var (value, i) in new[] { (unrolled.Y, 0), (unrolled.Yh, 1), (unrolled.Yc, 2) })
                if (value is not null) builder.AddNode("Identity", builder.UniqueName("unrolled_output"), [value], [Output(i)]);
        }
        return clone;
    }
}
