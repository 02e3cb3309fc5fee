using Onnx;

namespace NasiOnnx.Engine.Graphs;

/// <summary>What <c>nasi info</c> shows: inputs, outputs, op histogram, parameter count.</summary>
public sealed record ModelSummary(
    string GraphName,
    IReadOnlyList<long> Opsets,
    IReadOnlyList<ValueSummary> Inputs,
    IReadOnlyList<ValueSummary> Outputs,
    IReadOnlyDictionary<string, int> OpHistogram,
    int NodeCount,
    int ParameterTensors,
    long Parameters)
{
    public static ModelSummary Of(ModelProto model)
    {
        var initializers = new HashSet<string>(model.Graph.Initializer.Select(t => t.Name), StringComparer.Ordinal);
        var parameters = ParameterSet.Of(model);
        var histogram = model.Graph.Node.GroupBy(n => n.OpType)
            .OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Count());
        return new ModelSummary(
            model.Graph.Name,
            model.OpsetImport.Where(o => o.Domain is "" or "ai.onnx").Select(o => o.Version).ToList(),
            model.Graph.Input.Where(v => !initializers.Contains(v.Name)).Select(ValueSummary.Of).ToList(),
            model.Graph.Output.Select(ValueSummary.Of).ToList(),
            histogram,
            model.Graph.Node.Count,
            parameters.Tensors.Count,
            parameters.Count);
    }
}

/// <summary>A graph input or output: name, element type and shape (symbolic dimensions by name).</summary>
public sealed record ValueSummary(string Name, string ElementType, IReadOnlyList<string> Shape)
{
    public static ValueSummary Of(ValueInfoProto v)
    {
        var t = v.Type?.TensorType;
        var type = t is null ? "?" : Enum.IsDefined(typeof(ElementType), t.ElemType) ? ((ElementType)t.ElemType).ToString().ToLowerInvariant() : $"type{t.ElemType}";
        var shape = t?.Shape?.Dim.Select(d => d.HasDimValue ? d.DimValue.ToString() : string.IsNullOrEmpty(d.DimParam) ? "?" : d.DimParam).ToList()
                    ?? new List<string>();
        return new ValueSummary(v.Name, type, shape);
    }

    public override string ToString() => $"{Name}: {ElementType}[{string.Join(", ", Shape)}]";
}
