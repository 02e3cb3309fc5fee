using NasiOnnx.Engine.Autodiff;
using NasiOnnx.Engine.Graphs;
using NasiOnnx.Engine.Scoring;
using Onnx;

namespace NasiOnnx.Engine.Proxies;

/// <summary>
/// What the model tells without a pass of its own: its parameters, its weight layers, and its multiply-accumulates
/// per sample (from the static shapes of one probe at batch 1).
/// </summary>
public sealed class StaticPass
{
    private StaticPass(ParameterSet parameters, IReadOnlyList<WeightLayer> layers, long macs, StaticShapes shapes)
    {
        Shapes = shapes;
        Parameters = parameters;
        Layers = layers;
        Macs = macs;
    }

    public ParameterSet Parameters { get; }

    /// <summary>Every value's shape and type at batch 1.</summary>
    public StaticShapes Shapes { get; }

    public IReadOnlyList<WeightLayer> Layers { get; }

    /// <summary>Multiply-accumulates of one sample's forward pass in Conv, ConvTranspose, Gemm and MatMul nodes.</summary>
    public long Macs { get; }

    /// <summary>The values of parameter <paramref name="name"/> at initialization.</summary>
    public float[] Values(string name)
    {
        lock (_values)
        {
            if (!_values.TryGetValue(name, out var v))
                _values[name] = v = TensorData.ReadFloats(Parameters.Tensors.First(t => t.Name == name));
            return v;
        }
    }

    private readonly Dictionary<string, float[]> _values = new(StringComparer.Ordinal);

    public static StaticPass Run(PassInputs inputs) => Of(inputs.Model, inputs.Signature);

    public static StaticPass Of(ModelProto model, ModelSignature signature)
    {
        var parameters = ParameterSet.Of(model);
        var names = parameters.Names.ToHashSet(StringComparer.Ordinal);
        var shapes = StaticShapes.Probe(model, new Dictionary<string, long[]> { [signature.Input] = [1, .. signature.SampleShape] });
        return new StaticPass(parameters, WeightLayer.Of(model, names), FlopCount.Macs(model, shapes), shapes);
    }
}
