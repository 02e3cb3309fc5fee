using Google.Protobuf;
using Onnx;

namespace NasiOnnx.Engine.Graphs;

/// <summary>
/// Merges nodes that compute the same thing: same op, same inputs, same attributes. A NAS-Bench-201 cell applies
/// its own ReLU on every edge that leaves a node, so without this the gradient graph gets one ReLU backward per edge
/// (ONNX Runtime merges the forward ReLUs itself, but only after our backward has been built on them); merged, the
/// edges' cotangents are summed first and pass one ReLU backward. The values are the same; the gradient graph is
/// smaller (fewer nodes for the session to optimise) and does less work.
/// </summary>
public static class CommonSubexpressions
{
    /// <summary>
    /// Merges duplicate default-domain nodes in place, keeping the first of each; uses of a dropped node's outputs
    /// are renamed to the kept node's. Nodes whose outputs are graph outputs or listed in <paramref name="keep"/> stay,
    /// as do nodes that draw random numbers or hold subgraphs. Returns how many nodes were dropped.
    /// </summary>
    public static int Merge(ModelProto model, IEnumerable<string>? keep = null)
    {
        var graph = model.Graph;
        var fixedNames = new HashSet<string>(graph.Output.Select(o => o.Name).Concat(keep ?? []), StringComparer.Ordinal);
        var first = new Dictionary<string, NodeProto>(StringComparer.Ordinal);
        var renamed = new Dictionary<string, string>(StringComparer.Ordinal);
        var kept = new List<NodeProto>(graph.Node.Count);
        foreach (var node in graph.Node) // ONNX lists nodes in topological order, so inputs are renamed before use
        {
            for (var i = 0; i < node.Input.Count; i++)
                if (renamed.TryGetValue(node.Input[i], out var to)) node.Input[i] = to;
            if (Key(node, fixedNames) is not { } key)
            {
                kept.Add(node);
                continue;
            }
            if (first.TryGetValue(key, out var original) && original.Output.Count == node.Output.Count)
            {
                for (var o = 0; o < node.Output.Count; o++)
                    if (node.Output[o].Length > 0) renamed[node.Output[o]] = original.Output[o];
                continue;
            }
            first.TryAdd(key, node);
            kept.Add(node);
        }
        var dropped = graph.Node.Count - kept.Count;
        if (dropped == 0) return 0;
        graph.Node.Clear();
        graph.Node.AddRange(kept);
        foreach (var info in graph.ValueInfo.Where(v => renamed.ContainsKey(v.Name)).ToList()) graph.ValueInfo.Remove(info);
        return dropped;
    }

    /// <summary>What identifies the node's computation, or null when it must not be merged.</summary>
    private static string? Key(NodeProto node, HashSet<string> fixedNames)
    {
        if (node.Domain is not ("" or "ai.onnx") || node.Input.Count == 0 || node.Output.Count == 0) return null;
        if (node.OpType.StartsWith("Random", StringComparison.Ordinal) || node.OpType is "Dropout" or "Multinomial" or "Bernoulli")
            return null;
        if (node.Output.Any(fixedNames.Contains)) return null;
        if (node.Attribute.Any(a => a.G is not null || a.Graphs.Count > 0)) return null;
        var attributes = node.Attribute.Select(a => Convert.ToBase64String(a.ToByteArray()));
        return string.Join('\u0001', [node.OpType, string.Join('\u0002', node.Input), .. attributes]);
    }
}
