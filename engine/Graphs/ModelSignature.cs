using Onnx;

namespace NasiOnnx.Engine.Graphs;

/// <summary>
/// A classifier's data input and logits as the engine runs them: the input's name and concrete shape (a symbolic
/// batch dimension set to the batch size), and the class count from the output's last dimension.
/// </summary>
public sealed record ModelSignature(string Input, long[] InputShape, string Output, int Classes)
{
    /// <summary>The sample shape, without the batch dimension.</summary>
    public long[] SampleShape => InputShape[1..];

    /// <param name="model">The model.</param>
    /// <param name="batch">The batch size for a symbolic (or fixed) first dimension.</param>
    /// <param name="inputShape">Overrides the sample shape (without batch) where the model leaves it symbolic.</param>
    /// <param name="source">Names the model in errors (its file).</param>
    public static ModelSignature Of(ModelProto model, int batch, long[]? inputShape = null, string source = "model")
    {
        var graph = model.Graph;
        var initializers = new HashSet<string>(graph.Initializer.Select(t => t.Name), StringComparer.Ordinal);
        var inputs = graph.Input.Where(i => !initializers.Contains(i.Name)).ToList();
        if (inputs.Count == 0) throw new GraphException($"{source}: the graph has no data input");
        var data = inputs[0];
        var tensor = data.Type?.TensorType ?? throw new GraphException($"{source}: input '{data.Name}' is not a tensor");
        if (tensor.ElemType != (int)ElementType.Float)
            throw new GraphException($"{source}: input '{data.Name}' has element type {tensor.ElemType}; only float32 inputs are supported");
        var dims = tensor.Shape?.Dim.ToList() ?? throw new GraphException($"{source}: input '{data.Name}' has no shape; give --input-shape");

        long[] shape;
        if (inputShape is not null)
        {
            if (inputShape.Length != dims.Count - 1)
                throw new GraphException($"{source}: --input-shape has {inputShape.Length} dimensions, input '{data.Name}' needs {dims.Count - 1} besides the batch");
            shape = [batch, .. inputShape];
        }
        else
        {
            shape = new long[dims.Count];
            shape[0] = batch;
            for (var i = 1; i < dims.Count; i++)
                shape[i] = dims[i].HasDimValue && dims[i].DimValue > 0
                    ? dims[i].DimValue
                    : throw new GraphException($"{source}: dimension {i} of input '{data.Name}' is symbolic ('{dims[i].DimParam}'); give it with --input-shape, e.g. --input-shape 3,32,32");
        }
        if (dims.Count > 0 && dims[0].HasDimValue && dims[0].DimValue > 0 && dims[0].DimValue != batch)
            throw new GraphException($"{source}: input '{data.Name}' has a fixed batch of {dims[0].DimValue}; use --batch {dims[0].DimValue}");
        foreach (var d in shape)
            if (d is < 1 or > 1 << 24) throw new GraphException($"{source}: input '{data.Name}' has an absurd dimension {d}");

        if (graph.Output.Count == 0) throw new GraphException($"{source}: the graph has no output");
        var output = graph.Output[0];
        var outDims = output.Type?.TensorType?.Shape?.Dim;
        var last = outDims is { Count: >= 2 } ? outDims[^1] : null;
        if (last is null || !last.HasDimValue || last.DimValue < 1)
            throw new GraphException($"{source}: output '{output.Name}' should be logits [batch, classes] with a fixed class count");
        return new ModelSignature(data.Name, shape, output.Name, checked((int)last.DimValue));
    }
}
