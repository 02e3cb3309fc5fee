using NasiOnnx.Engine.Autodiff;
using NasiOnnx.Engine.Graphs;
using Onnx;

namespace NasiOnnx.Engine.Scoring;

/// <summary>
/// A pre-flight estimate of what scoring a model needs, so that a model that would exhaust the machine is refused
/// before its batch-size run allocates anything: the static shapes at the model's own batch (1 where it is symbolic; inferred, or probed) give
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
    /// <param name="inferred">The model's inferred shapes at the probe's input (<see cref="ProbeShape"/>), if known.</param>
    public static long Bytes(ModelProto model, ModelSignature signature, long parameters, long? stopAbove = null, InferredShapes? inferred = null)
    {
        var probeBatch = signature.FixedBatch ?? 1;
        var probe = ProbeShape(signature);
        var inputs = new Dictionary<string, long[]> { [signature.Input] = probe };
        // The probe itself holds every activation at the model's own batch, which a hostile file can make huge.
        var known = (inferred ?? InferredShapes.Of(model, inputs)).KnownElements;
        if (stopAbove is { } limit && Math.Max(Total(known / probeBatch), 4 * known) is var bound && bound > limit)
            return (long)Math.Min(long.MaxValue, bound);
        var shapes = StaticShapes.For(model, inputs);
        double activations = Tensor.Count(probe);
        foreach (var node in model.Graph.Node)
            foreach (var output in node.Output)
                if (output.Length > 0 && shapes.Contains(output))
                    activations += Tensor.Count(shapes.Shape(output));
        return Total(activations / probeBatch);

        long Total(double perSample) => (long)Math.Min(long.MaxValue, 4 * (3.0 * parameters + 2 * perSample * signature.Batch));
    }

    /// <summary>The input shape the estimate probes: the model's own batch (1 where symbolic).</summary>
    public static long[] ProbeShape(ModelSignature signature) => [signature.FixedBatch ?? 1, .. signature.SampleShape];
}
