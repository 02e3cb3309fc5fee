using NasiOnnx.Engine.Graphs;
using Onnx;

namespace NasiOnnx.Engine.Scoring;

/// <summary>
/// Chooses how a model's batch dimension meets the scoring batch (<see cref="BatchRoute"/>): as it is where the
/// dimension is symbolic or already the batch size; else relaxed where the graph allows it; else per-sample where
/// that is exact.
/// </summary>
public static class BatchRouter
{
    /// <param name="model">The prepared model; not modified.</param>
    /// <param name="signature">Its signature at the scoring batch size.</param>
    /// <param name="asked">A route the caller insists on, or null for the first that applies.</param>
    /// <param name="source">Names the model in errors.</param>
    /// <returns>The route, the model to score (relaxed where the route says), the samples per forward pass, and a
    /// note for the row (why a model was not relaxed), or null.</returns>
    public static (BatchRoute Route, ModelProto Model, int ModelBatch, string? Note) Route(ModelProto model, ModelSignature signature,
        BatchRoute? asked, string source)
    {
        var b = signature.Batch;
        if (signature.FixedBatch is not { } k || k == b) return (BatchRoute.AsIs, model, b, null);
        throw new GraphException($"{source}: input '{signature.Input}' has a fixed batch of {k}; use --batch {k}");
    }
}
