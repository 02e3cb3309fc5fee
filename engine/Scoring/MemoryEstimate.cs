using Microsoft.ML.OnnxRuntime;
using NasiOnnx.Engine.Autodiff;
using NasiOnnx.Engine.Graphs;
using Onnx;

namespace NasiOnnx.Engine.Scoring;

/// <summary>
/// A pre-flight estimate of what scoring a model needs, so that a model that would exhaust the machine is refused
/// before its batch-size run allocates anything: one probe at the model's own batch (1 where it is symbolic) gives
/// every activation's size, which scales linearly with the batch; the backward pass keeps about as much again, and
/// θ comes three times (weights, gradients, a perturbed copy). The probe itself allocates every activation at
/// that batch, so ONNX's shape inference (no run) is asked first: where the shapes it infers already exceed the
/// limit, the model is refused without running at all (a hostile file declaring a gigapixel input, say).
/// </summary>
public static class MemoryEstimate
{
    /// <param name="model">The prepared model.</param>
    /// <param name="signature">Its signature at the scoring batch size.</param>
    /// <param name="parameters">Its parameter count.</param>
    /// <param name="stopAbove">A limit: when shape inference alone shows the estimate above it, that estimate is
    /// returned without running the probe.</param>
    public static long Bytes(ModelProto model, ModelSignature signature, long parameters, long? stopAbove = null)
    {
        var probeBatch = signature.FixedBatch ?? 1;
        long[] probe = [probeBatch, .. signature.SampleShape];
        var inputs = new Dictionary<string, long[]> { [signature.Input] = probe };
        if (stopAbove is { } limit && Total(InferredElements(model, inputs) / probeBatch) is var inferred && inferred > limit)
            return inferred;
        var shapes = StaticShapes.Probe(model, inputs);
        double activations = Tensor.Count(probe);
        foreach (var node in model.Graph.Node)
            foreach (var output in node.Output)
                if (output.Length > 0 && shapes.Contains(output))
                    activations += Tensor.Count(shapes.Shape(output));
        return Total(activations / probeBatch);

        long Total(double perSample) => (long)Math.Min(long.MaxValue, 4 * (3.0 * parameters + 2 * perSample * signature.Batch));
    }

    /// <summary>
    /// The elements of the input and of every value whose shape ONNX shape inference fixes (a lower bound: values it
    /// leaves symbolic count 0), from a session that is created but never run, with constant folding off so that
    /// nothing is computed either. 0 when ONNX Runtime refuses the model: the probe will say why.
    /// </summary>
    private static double InferredElements(ModelProto model, Dictionary<string, long[]> inputs)
    {
        var probe = model.Clone();
        foreach (var input in probe.Graph.Input)
            if (inputs.TryGetValue(input.Name, out var shape) && input.Type?.TensorType is { } t)
                t.Shape = GraphBuilder.ValueInfo(input.Name, ElementType.Float, shape).Type.TensorType.Shape;
        var declared = new HashSet<string>(probe.Graph.Output.Select(o => o.Name), StringComparer.Ordinal);
        foreach (var node in probe.Graph.Node)
            foreach (var o in node.Output)
                if (o.Length > 0 && declared.Add(o)) probe.Graph.Output.Add(new ValueInfoProto { Name = o });
        using var options = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_DISABLE_ALL,
            LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL,
        };
        try
        {
            using var session = new InferenceSession(ModelFile.ToBytes(probe), options);
            double total = inputs.Values.Sum(s => (double)Tensor.Count(s));
            foreach (var meta in session.OutputMetadata.Values)
                if (meta.IsTensor && meta.Dimensions.All(d => d >= 0))
                    total += meta.Dimensions.Aggregate(1.0, (p, d) => p * d);
            return total;
        }
        catch (OnnxRuntimeException)
        {
            return 0;
        }
    }
}
