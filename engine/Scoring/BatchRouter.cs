using NasiOnnx.Engine.Autodiff;
using NasiOnnx.Engine.Graphs;
using Onnx;

namespace NasiOnnx.Engine.Scoring;

/// <summary>
/// Chooses how a model's batch dimension meets the scoring batch (<see cref="BatchRoute"/>): as it is where the
/// dimension is symbolic or already the batch size; else relaxed where <see cref="BatchRelaxer"/> proves it can be
/// and <see cref="BatchProbe"/> confirms it; else per-sample, which is exact only where nothing normalizes with
/// batch statistics, so it is refused, with the reason, for such a model.
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
        var statistics = BatchStatistics(model);
        if (signature.FixedBatch is not { } fixedBatch || fixedBatch == b)
        {
            if (asked != BatchRoute.PerSample) return (BatchRoute.AsIs, model, b, null);
            var k = (int)(signature.FixedBatch ?? 1);
            return k == b ? (BatchRoute.AsIs, model, b, null) : PerSample(model, signature, k, statistics, "as asked (--batch-route per-sample)", source);
        }
        var fixedSize = (int)fixedBatch;
        if (asked == BatchRoute.AsIs)
            throw new GraphException($"{source}: input '{signature.Input}' has a fixed batch of {fixedSize}; use --batch {fixedSize}");
        var reason = "as asked (--batch-route per-sample)";
        if (asked != BatchRoute.PerSample)
        {
            var (relaxed, why) = TryRelax(model, signature, fixedSize, statistics is not null);
            if (relaxed is not null) return (BatchRoute.Relaxed, relaxed, b, null);
            reason = $"not relaxed: {why}";
            if (asked == BatchRoute.Relaxed)
                throw new GraphException($"{source}: the fixed batch of {fixedSize} of input '{signature.Input}' cannot be relaxed: {why}");
        }
        return PerSample(model, signature, fixedSize, statistics, reason, source);
    }

    private static (ModelProto? Model, string? Why) TryRelax(ModelProto model, ModelSignature signature, int fixedBatch, bool batchStatistics)
    {
        var shapes = StaticShapes.Probe(model, new Dictionary<string, long[]> { [signature.Input] = [fixedBatch, .. signature.SampleShape] });
        var result = BatchRelaxer.Relax(model, signature.Input, fixedBatch, n => shapes.Contains(n) ? shapes.Shape(n) : null);
        if (result.Model is null) return (null, result.Reason);
        return BatchProbe.Check(result.Model, signature, batchStatistics) is { } failed ? (null, $"the probe failed: {failed}") : (result.Model, null);
    }

    private static (BatchRoute, ModelProto, int, string?) PerSample(ModelProto model, ModelSignature signature, int fixedBatch,
        string? statistics, string reason, string source)
    {
        var b = signature.Batch;
        var what = signature.FixedBatch is null ? "" : $"input '{signature.Input}' has a fixed batch of {fixedBatch} ({reason}), and ";
        if (statistics is not null)
            throw new GraphException($"{source}: {what}scoring it per-sample would change what its batch-statistics {statistics} computes; score it at --batch {fixedBatch}");
        if (b % fixedBatch != 0)
            throw new GraphException($"{source}: {what}per-sample scoring runs it {fixedBatch} samples at a time: give a --batch that is a multiple of {fixedBatch}");
        return (BatchRoute.PerSample, model, fixedBatch, reason);
    }

    /// <summary>
    /// The first node that normalizes with batch statistics (a training-mode BatchNormalization; before opset 14,
    /// one that declares its mean and variance outputs), described for messages; null when there is none.
    /// </summary>
    public static string? BatchStatistics(ModelProto model)
    {
        var opset = model.OpsetImport.FirstOrDefault(o => o.Domain is "" or "ai.onnx")?.Version ?? GraphBuilder.DefaultOpset;
        return model.Graph.Node.FirstOrDefault(n => n.OpType == "BatchNormalization" && n.Domain is "" or "ai.onnx"
            && (n.GetInt("training_mode", 0) == 1 || opset < 14 && n.Output.Skip(1).Any(o => o.Length > 0)))?.Describe();
    }
}
