using Onnx;
using NasiOnnx.Engine.Graphs;

namespace NasiOnnx.Engine.Ntk;

/// <summary>
/// A copy of a model whose parameters (<see cref="ParameterSet.Of"/>) are graph inputs instead of initializers,
/// so sessions can run it with caller-owned, pinned parameter buffers that are edited in place between runs.
/// Every other initializer (BatchNormalization running statistics, shapes, …) stays an initializer.
/// </summary>
public sealed class ParameterizedModel
{
    private ParameterizedModel(ModelProto model, string dataInput, string output, IReadOnlyList<ParameterSlot> slots,
        float[] values)
    {
        Model = model;
        DataInput = dataInput;
        Output = output;
        Parameters = slots;
        InitialValues = values;
        Bytes = ModelFile.ToBytes(model);
    }

    /// <summary>The transformed model (the original is left untouched).</summary>
    public ModelProto Model { get; }

    /// <summary>Serialized <see cref="Model"/>, so several sessions share one serialization.</summary>
    public byte[] Bytes { get; }

    /// <summary>The one graph input that is not a parameter: the batch.</summary>
    public string DataInput { get; }

    /// <summary>The graph output differentiated: the first one, the logits.</summary>
    public string Output { get; }

    public IReadOnlyList<ParameterSlot> Parameters { get; }

    /// <summary>θ at initialization, flat, in <see cref="Parameters"/> order.</summary>
    public ReadOnlyMemory<float> InitialValues { get; }

    public int Count => InitialValues.Length;

    public static ParameterizedModel Of(ModelProto model)
    {
        var name = model.Graph?.Name ?? "model";
        if (model.Graph is null || model.Graph.Output.Count == 0)
            throw new GraphException($"Graph '{name}' has no outputs to differentiate.");
        var lifted = model.Clone();
        ModelNormalizer.FixTrainingBatchNormMomentum(lifted); // it is serialized here, past SessionFactory's own fix
        var graph = lifted.Graph;
        var parameters = ParameterSet.Of(lifted).Tensors;
        if (parameters.Count == 0) throw new GraphException($"Graph '{name}' has no float parameters.");

        long total = parameters.Sum(t => Tensor.Count(t.Dims));
        if (total > Array.MaxLength)
            throw new NasiException($"Graph '{name}' has {total} parameters; at most {Array.MaxLength} fit one flat vector.");
        var values = new float[total];
        var slots = new List<ParameterSlot>(parameters.Count);
        var offset = 0;
        var declared = new HashSet<string>(graph.Input.Select(i => i.Name), StringComparer.Ordinal);
        foreach (var t in parameters)
        {
            var data = TensorData.ReadFloats(t);
            data.CopyTo(values, offset);
            slots.Add(new ParameterSlot(t.Name, TensorData.Dims(t), offset, data.Length));
            offset += data.Length;
            graph.Initializer.Remove(t);
            // IR < 4 models also list initializers as inputs; those keep their declaration.
            if (!declared.Contains(t.Name)) graph.Input.Add(GraphBuilder.ValueInfo(t.Name, ElementType.Float, TensorData.Dims(t)));
        }

        var parameterNames = slots.Select(s => s.Name).ToHashSet(StringComparer.Ordinal);
        var initializers = graph.Initializer.Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
        var dataInputs = graph.Input.Select(i => i.Name)
            .Where(n => !parameterNames.Contains(n) && !initializers.Contains(n)).ToList();
        if (dataInputs.Count != 1)
            throw new GraphException(
                $"Graph '{name}' has {dataInputs.Count} data inputs ({string.Join(", ", dataInputs.Select(n => $"'{n}'"))}); expected exactly one.");
        return new ParameterizedModel(lifted, dataInputs[0], graph.Output[0].Name, slots, values);
    }
}
