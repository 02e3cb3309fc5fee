using Onnx;

namespace NasiOnnx.Engine.Graphs;

/// <summary>
/// The trainable parameters of a model: its float initializers of rank ≥ 1, except those that feed an input
/// slot that is never trained (BatchNormalization running statistics, Resize scales, Clip bounds, …).
/// </summary>
public sealed class ParameterSet
{
    /// <summary>Input slots that hold statistics or settings, never weights: op type → input indices.</summary>
    private static readonly Dictionary<string, int[]> NonTrainableSlots = new(StringComparer.Ordinal)
    {
        ["BatchNormalization"] = [3, 4],
        ["Resize"] = [1, 2, 3],
        ["Clip"] = [1, 2],
        ["Pad"] = [1, 2, 3],
        ["Reshape"] = [1],
        ["Slice"] = [1, 2, 3, 4],
        ["Expand"] = [1],
        ["Tile"] = [1],
    };

    /// <summary>Parameter tensors in graph order.</summary>
    public IReadOnlyList<TensorProto> Tensors { get; }

    public long Count { get; }

    private ParameterSet(IReadOnlyList<TensorProto> tensors)
    {
        Tensors = tensors;
        // Saturating: a hostile file's dimensions must give a huge count for --max-params to refuse, not an overflow.
        var count = tensors.Sum(t => t.Dims.Aggregate(1.0, (p, d) => p * d));
        Count = count >= long.MaxValue ? long.MaxValue : (long)count;
    }

    public IEnumerable<string> Names => Tensors.Select(t => t.Name);

    public static ParameterSet Of(ModelProto model)
    {
        var excluded = new HashSet<string>(StringComparer.Ordinal);
        foreach (var node in model.Graph.Node)
        {
            if (!NonTrainableSlots.TryGetValue(node.OpType, out var slots)) continue;
            foreach (var i in slots)
                if (i < node.Input.Count && node.Input[i].Length > 0) excluded.Add(node.Input[i]);
        }
        var used = new HashSet<string>(model.Graph.Node.SelectMany(n => n.Input), StringComparer.Ordinal);
        var tensors = model.Graph.Initializer
            .Where(t => t.DataType == (int)ElementType.Float && t.Dims.Count >= 1
                        && !excluded.Contains(t.Name) && used.Contains(t.Name))
            .ToList();
        return new ParameterSet(tensors);
    }

    public static bool IsNonTrainableSlot(string opType, int inputIndex) =>
        NonTrainableSlots.TryGetValue(opType, out var slots) && slots.Contains(inputIndex);
}
