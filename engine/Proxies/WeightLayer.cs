using Onnx;

namespace NasiOnnx.Engine.Proxies;

/// <summary>
/// A layer whose weight the pruning-at-init proxies read: NASLib's and zero-cost-nas's "Conv2d or Linear" modules,
/// here every Conv, Gemm and MatMul node with a parameter as its weight input. <see cref="Weight"/> is that
/// parameter's name (biases and BatchNorm parameters are not layer weights), <see cref="Output"/> the node's output.
/// </summary>
public sealed record WeightLayer(NodeProto Node, string Weight, string Output)
{
    /// <summary>The weight layers of <paramref name="model"/> in graph order, each weight once.</summary>
    public static IReadOnlyList<WeightLayer> Of(ModelProto model, IReadOnlySet<string> parameters)
    {
        var layers = new List<WeightLayer>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var node in model.Graph.Node)
        {
            var weight = node.OpType switch
            {
                "Conv" or "Gemm" when node.Input.Count > 1 => node.Input[1],
                "MatMul" => node.Input.FirstOrDefault(parameters.Contains) ?? "",
                _ => "",
            };
            if (weight.Length > 0 && parameters.Contains(weight) && seen.Add(weight))
                layers.Add(new WeightLayer(node, weight, node.Output[0]));
        }
        return layers;
    }
}
