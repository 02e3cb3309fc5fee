using Onnx;

namespace NasiOnnx.Engine.Graphs;

/// <summary>
/// Exporters often end a classifier with Softmax or LogSoftmax (a Keras model's activation, a PyTorch model that
/// returns probabilities). NASI's loss is the softmax cross-entropy of the logits; scored on the probabilities it
/// would apply softmax twice, and the NTK would be that of the probabilities. So the logits before such a final
/// node become the model's output.
/// </summary>
public static class FinalSoftmax
{
    /// <summary>
    /// When the first output is a Softmax or LogSoftmax over the class axis (the last), possibly followed by
    /// Identity nodes, makes its input the first output and removes the nodes nothing else reads. Call it before
    /// <see cref="OpsetUpgrade"/>, which rewrites a pre-13 Softmax into three nodes. Returns a note for the result
    /// row naming the node, or null when the model ends otherwise.
    /// </summary>
    public static string? Remove(ModelProto model)
    {
        var graph = model.Graph;
        if (graph is null || graph.Output.Count == 0) return null;
        var output = graph.Output[0];
        var rank = output.Type?.TensorType?.Shape?.Dim.Count ?? 0;
        if (rank < 2) return null;
        var producers = new Dictionary<string, NodeProto>(StringComparer.Ordinal);
        foreach (var node in graph.Node)
            foreach (var o in node.Output)
                if (o.Length > 0) producers.TryAdd(o, node);

        var chain = new List<NodeProto>();
        var value = output.Name;
        while (producers.TryGetValue(value, out var node) && node.Domain is "" or "ai.onnx" && node.OpType == "Identity" && node.Input.Count == 1 && chain.Count < 16)
        {
            chain.Add(node);
            value = node.Input[0];
        }
        if (!producers.TryGetValue(value, out var softmax) || softmax.Domain is not ("" or "ai.onnx")
            || softmax.OpType is not ("Softmax" or "LogSoftmax") || softmax.Input.Count != 1 || softmax.Input[0].Length == 0)
            return null;
        var opset = GraphBuilder.Extend(model).Opset;
        var axis = softmax.GetInt("axis", opset < 13 ? 1 : -1);
        if (axis < 0) axis += rank;
        // Before opset 13 the input was flattened to 2-D at 'axis', which is the class axis alone only when it is the last.
        if (axis != rank - 1) return null;
        var logits = softmax.Input[0];
        var external = new HashSet<string>(graph.Input.Select(i => i.Name).Concat(graph.Initializer.Select(t => t.Name)), StringComparer.Ordinal);
        if (external.Contains(logits)) return null; // a model that is only a Softmax: nothing to score before it

        for (var i = graph.Output.Count - 1; i >= 1; i--)
            if (graph.Output[i].Name == logits) graph.Output.RemoveAt(i); // the logits were also an output
        output.Name = logits;
        chain.Add(softmax);
        RemoveUnread(graph, chain);
        var name = string.IsNullOrEmpty(softmax.Name) ? softmax.Output[0] : softmax.Name;
        return $"logits read before the final {softmax.OpType} '{name}' (the loss applies softmax itself)";
    }

    /// <summary>Removes the nodes of <paramref name="candidates"/> whose outputs no node or graph output reads.</summary>
    private static void RemoveUnread(GraphProto graph, List<NodeProto> candidates)
    {
        var read = new HashSet<string>(graph.Output.Select(o => o.Name), StringComparer.Ordinal);
        foreach (var node in graph.Node)
            if (!candidates.Contains(node))
                foreach (var i in node.Input) read.Add(i);
        // The chain runs from the output backwards, so a node is removed only after every reader in the chain.
        foreach (var node in candidates)
        {
            if (node.Output.Any(read.Contains)) break;
            graph.Node.Remove(node);
        }
    }
}
