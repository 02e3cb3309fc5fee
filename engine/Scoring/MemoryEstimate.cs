using NasiOnnx.Engine.Autodiff;
using NasiOnnx.Engine.Graphs;
using Onnx;

namespace NasiOnnx.Engine.Scoring;

/// <summary>
/// A pre-flight estimate of what scoring a model needs, so that a model that would exhaust the machine is refused
/// before its batch-size run allocates anything: the static shapes at batch 1 (inferred, or probed) give every activation's size, which scales
/// linearly with the batch; the backward pass keeps about as much again, and θ comes three times (weights,
/// gradients, a perturbed copy).
/// </summary>
public static class MemoryEstimate
{
    public static long Bytes(ModelProto model, ModelSignature signature, long parameters)
    {
        long[] single = [1, .. signature.SampleShape];
        var shapes = StaticShapes.For(model, new Dictionary<string, long[]> { [signature.Input] = single });
        long perSample = 0;
        foreach (var node in model.Graph.Node)
            foreach (var output in node.Output)
                if (output.Length > 0 && shapes.Contains(output))
                    perSample += Tensor.Count(shapes.Shape(output));
        return 4 * (3 * parameters + 2 * perSample * signature.InputShape[0]);
    }
}
