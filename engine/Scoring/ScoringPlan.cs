using NasiOnnx.Engine.Data;
using NasiOnnx.Engine.Graphs;
using NasiOnnx.Engine.Metrics;
using NasiOnnx.Engine.Ntk;
using Onnx;

namespace NasiOnnx.Engine.Scoring;

/// <summary>
/// One model made ready to score (<see cref="ModelScorer.Plan"/>): the graph as the metrics run it, the batch, and
/// how the two meet (<see cref="Route"/>), with the notes its result row carries.
/// </summary>
/// <param name="Model">The model the metrics run: prepared, its final Softmax removed, relaxed where the route says.</param>
/// <param name="Signature">Input, output and classes, at the scoring batch size.</param>
/// <param name="Route">How the batch meets the model's batch dimension.</param>
/// <param name="ModelBatch">Samples per forward pass: the batch size, or the model's fixed batch when per-sample.</param>
/// <param name="Parameters">The parameter count.</param>
/// <param name="Data">Where the batch came from.</param>
/// <param name="Batch">The inputs and labels every metric sees.</param>
/// <param name="ChannelsLast">The input is [N, H, W, C] (a Keras export), so its shape reads NHWC.</param>
/// <param name="Notes">What the row should say besides the numbers: the logits read before a final Softmax, the
/// part of the data used, why a model was not relaxed.</param>
public sealed record ScoringPlan(
    ModelProto Model,
    ModelSignature Signature,
    BatchRoute Route,
    int ModelBatch,
    long Parameters,
    BatchSource Data,
    Batch Batch,
    bool ChannelsLast,
    IReadOnlyList<string> Notes)
{
    /// <summary>The shape the metrics' graphs are built for: [ModelBatch, sample…].</summary>
    public long[] ModelInputShape => [ModelBatch, .. Signature.SampleShape];

    /// <summary>"as-is", "relaxed" or "per-sample": the row's <c>batch</c> column.</summary>
    public string RouteName => Name(Route);

    /// <summary>The input shape as rows print it, e.g. "64x3x32x32", or "64x32x32x3 (NHWC)".</summary>
    public string InputShapeText => string.Join("x", Signature.InputShape) + (ChannelsLast ? " (NHWC)" : "");

    /// <summary>The notes joined for one row cell.</summary>
    public string NotesText => string.Join("; ", Notes);

    /// <summary>S on <see cref="Batch"/> with a scorer built for <see cref="ModelInputShape"/>.</summary>
    public NasiScore ScoreNasi(NasiScorer scorer) => ScoreNasi(scorer, Batch);

    /// <summary>S on another batch of the same size (ZiCo's second batch), per chunk when the route says.</summary>
    public NasiScore ScoreNasi(NasiScorer scorer, Batch batch) =>
        Route == BatchRoute.PerSample ? scorer.ScoreInChunks(batch) : scorer.Score(batch);

    /// <summary>The NTK options with forward passes of <see cref="ModelBatch"/> samples.</summary>
    public NtkOptions Ntk(NtkOptions options, ulong seed) =>
        options with { Seed = seed, SamplesPerPass = Route == BatchRoute.PerSample ? ModelBatch : 0 };

    public static string Name(BatchRoute route) => route switch
    {
        BatchRoute.AsIs => "as-is",
        BatchRoute.Relaxed => "relaxed",
        BatchRoute.PerSample => "per-sample",
        _ => route.ToString(),
    };

    /// <summary>Reads "as-is", "relaxed" or "per-sample" (or "auto": null).</summary>
    public static BatchRoute? ParseRoute(string text) => text.ToLowerInvariant() switch
    {
        "auto" => null,
        "as-is" => BatchRoute.AsIs,
        "relaxed" or "relax" => BatchRoute.Relaxed,
        "per-sample" => BatchRoute.PerSample,
        _ => throw new NasiException($"batch route '{text}': expected auto, relaxed or per-sample"),
    };
}
