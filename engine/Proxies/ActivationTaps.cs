using NasiOnnx.Engine.Graphs;
using Onnx;

namespace NasiOnnx.Engine.Proxies;

/// <summary>
/// Exposes intermediate values of any ONNX model as extra graph outputs, so one run returns them with the logits:
/// a value as it is, or only its first sample (a Slice along axis 0, for proxies that read one sample's feature maps).
/// Works on a copy; the model's own outputs are untouched.
/// </summary>
public sealed class ActivationTaps
{
    private readonly GraphBuilder _builder;
    private readonly HashSet<string> _outputs;
    private string? _zero, _one;

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

    /// <summary>Exposes sample 0 of <paramref name="value"/> ([1, …]) and returns the output name.</summary>
    public string FirstSample(string value)
    {
        _zero ??= _builder.Int64Constant("tap/zero", 0);
        _one ??= _builder.Int64Constant("tap/one", 1);
        var name = _builder.UniqueName("tap0/" + value);
        _builder.AddNode("Slice", _builder.UniqueName("tap0_slice"), [value, _zero, _one, _zero], [name]);
        _outputs.Add(name);
        _builder.Output(name, ElementType.Float);
        return name;
    }
}
