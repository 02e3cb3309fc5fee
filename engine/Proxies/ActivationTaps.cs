using NasiOnnx.Engine.Graphs;
using Onnx;

namespace NasiOnnx.Engine.Proxies;

/// <summary>
/// Exposes intermediate values of any ONNX model as extra graph outputs, so one run returns them with the logits.
/// Works on a copy; the model's own outputs are untouched.
/// </summary>
public sealed class ActivationTaps
{
    private readonly GraphBuilder _builder;
    private readonly HashSet<string> _outputs;

    public ActivationTaps(ModelProto model)
    {
        Model = model.Clone();
        _builder = GraphBuilder.Extend(Model);
        _outputs = Model.Graph.Output.Select(o => o.Name).ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>The copy with the taps added.</summary>
    public ModelProto Model { get; }

    /// <summary>Exposes <paramref name="value"/> (a float value of the graph) and returns the output name.</summary>
    public string Whole(string value)
    {
        if (_outputs.Add(value)) _builder.Output(value, ElementType.Float);
        return value;
    }
}
