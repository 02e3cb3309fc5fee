using Onnx;

namespace NasiOnnx.Engine.Graphs;

/// <summary>
/// A classifier's data input and logits as the engine runs them: the input's name and concrete shape (the batch
/// dimension set to the batch size), and the class count from the output's last dimension. <c>FixedBatch</c> is the
/// batch dimension the model declares when it is a number (an export traced at batch 1 without dynamic axes), null
/// when it is symbolic.
/// </summary>
public sealed record ModelSignature(string Input, long[] InputShape, string Output, int Classes, long? FixedBatch = null)
{
    /// <summary>The sample shape, without the batch dimension.</summary>
    public long[] SampleShape => InputShape[1..];

    /// <summary>The batch size the signature runs at.</summary>
    public int Batch => (int)InputShape[0];

    /// <summary>The same signature at another batch size.</summary>
    public ModelSignature WithBatch(int batch) => this with { InputShape = [batch, .. SampleShape] };

    /// <param name="model">The model.</param>
    /// <param name="batch">The batch size for a symbolic (or fixed) first dimension.</param>
    /// <param name="inputShape">Overrides the sample shape (without batch) where the model leaves it symbolic.</param>
    /// <param name="source">Names the model in errors (its file).</param>
    public static ModelSignature Of(ModelProto model, int batch, long[]? inputShape = null, string source = "model")
    {
        var signature = OfAnyBatch(model, batch, inputShape, source);
        if (signature.FixedBatch is { } fixedBatch && fixedBatch != batch)
            throw new GraphException($"{source}: input '{signature.Input}' has a fixed batch of {fixedBatch}; use --batch {fixedBatch}");
        return signature;
    }

    /// <summary>
    /// As <see cref="Of"/>, but a batch dimension the model fixes to another number is not an error: it is
    /// reported in <see cref="FixedBatch"/> for the caller to relax or to run sample by sample.
    /// </summary>
    public static ModelSignature OfAnyBatch(ModelProto model, int batch, long[]? inputShape = null, string source = "model")
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
        if (dims.Count == 0) throw new GraphException($"{source}: input '{data.Name}' is a scalar; it needs a batch dimension");

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
        long? fixedBatch = dims[0].HasDimValue && dims[0].DimValue > 0 ? dims[0].DimValue : null;
        if (fixedBatch > 1 << 24) throw new GraphException($"{source}: input '{data.Name}' has an absurd batch dimension {fixedBatch}");
        foreach (var d in shape)
            if (d is < 1 or > 1 << 24) throw new GraphException($"{source}: input '{data.Name}' has an absurd dimension {d}");
        // Batches are float arrays, which hold fewer than 2^31 values; a hostile file can ask for more.
        var sample = shape.Skip(1).Aggregate(1.0, (p, d) => p * d);
        if (Math.Max(batch, fixedBatch ?? 1) * sample >= int.MaxValue)
            throw new GraphException($"{source}: input '{data.Name}' [{(fixedBatch is { } k ? k.ToString() : "batch")}, {string.Join(", ", shape.Skip(1))}] at batch {Math.Max(batch, fixedBatch ?? 1)} holds more values than one array can");
        if (graph.Output.Count == 0) throw new GraphException($"{source}: the graph has no output");
        var output = graph.Output[0];
        var outDims = output.Type?.TensorType?.Shape?.Dim;
        var last = outDims is { Count: >= 2 } ? outDims[^1] : null;
        if (last is null || !last.HasDimValue || last.DimValue < 1)
            throw new GraphException($"{source}: output '{output.Name}' should be logits [batch, classes] with a fixed class count");
        if (last.DimValue > 1 << 24) throw new GraphException($"{source}: output '{output.Name}' has an absurd class count {last.DimValue}");
        return new ModelSignature(data.Name, shape, output.Name, (int)last.DimValue, fixedBatch);
    }
}
