using Onnx;

namespace NasiOnnx.Engine.Graphs;

/// <summary>
/// Recognises channels-last image inputs, [N, H, W, C], as Keras models exported by tf2onnx or keras2onnx have.
/// ONNX's Conv reads NCHW, so such graphs transpose the input with perm [0, 3, 1, 2] before their first
/// convolution, possibly after elementwise preprocessing (rescaling, normalization). They score as they are; the
/// layout only changes how the input shape reads, and which layout a data file must have.
/// </summary>
public static class InputLayout
{
    private static readonly HashSet<string> Elementwise = new(StringComparer.Ordinal)
    {
        "Identity", "Cast", "Add", "Sub", "Mul", "Div", "Relu", "Clip",
    };

    /// <summary>True when the rank-4 <paramref name="input"/> reaches a Transpose [0, 3, 1, 2] through elementwise
    /// ops only, or, where no Transpose shows it, when its shape reads [N, H, W, C] with few channels.</summary>
    public static bool IsChannelsLast(ModelProto model, string input, IReadOnlyList<long> shape)
    {
        if (shape.Count != 4) return false;
        var readers = new Dictionary<string, List<NodeProto>>(StringComparer.Ordinal);
        foreach (var node in model.Graph.Node)
            foreach (var i in node.Input)
                if (i.Length > 0)
                {
                    if (!readers.TryGetValue(i, out var list)) readers[i] = list = [];
                    list.Add(node);
                }
        var frontier = new Queue<string>([input]);
        var seen = new HashSet<string>(StringComparer.Ordinal) { input };
        while (frontier.Count > 0 && seen.Count < 64)
        {
            foreach (var node in readers.GetValueOrDefault(frontier.Dequeue()) ?? [])
            {
                if (node.OpType == "Transpose" && node.GetInts("perm") is [0, 3, 1, 2]) return true;
                if (node.OpType == "Transpose" || !Elementwise.Contains(node.OpType)) continue;
                foreach (var o in node.Output)
                    if (o.Length > 0 && seen.Add(o)) frontier.Enqueue(o);
            }
        }
        // No Transpose in reach: judge by the shape (a spatial image with 1–4 channels last, many in position 1).
        return shape[3] is >= 1 and <= 4 && shape[1] > 4 && shape[2] > 4;
    }
}
