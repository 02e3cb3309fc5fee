using System.Diagnostics;
using NasiOnnx.Engine.Data;
using NasiOnnx.Engine.Graphs;
using NasiOnnx.Engine.Ranking;
using Onnx;

namespace NasiOnnx.Engine.Scoring;

/// <summary>
/// Scores one model at a time with every requested metric on one batch: <see cref="MetricRun"/> runs the passes the
/// metrics of <see cref="MetricTable"/> need, once each. A metric that cannot be computed for a model (an op without
/// a gradient rule, no ReLU for NASWOT, say) leaves its columns empty and the row says why, while the other metrics
/// still come out. One instance per worker thread.
/// </summary>
public sealed class ModelScorer : ICandidateScorer
{
    public ModelScorer(ScoringOptions options)
    {
        if (options.Metrics.Contains(Metric.Objective) && options.Nu is null)
            throw new NasiException("the objective R = S − μ·max(0, S − ν) needs ν (--nu)");
        // R is a function of S: asking for R reports S too.
        if (options.Metrics.Contains(Metric.Objective) && !options.Metrics.Contains(Metric.Nasi))
            options = options with { Metrics = [Metric.Nasi, .. options.Metrics] };
        Options = options;
        Metrics = MetricTable.Columns(options.Metrics);
    }

    public ScoringOptions Options { get; }

    public IReadOnlyList<string> Metrics { get; }

    public ScoreRow Score(Candidate candidate, CancellationToken cancellationToken)
    {
        try
        {
            return ScoreUnnamed(candidate, cancellationToken);
        }
        catch (NasiException e) when (!e.Message.Contains(candidate.Id, StringComparison.Ordinal))
        {
            throw Named(candidate.Id, e);
        }
    }

    /// <summary>
    /// The error with the model's name in front, so a row or a line on stderr says which file failed. It keeps its
    /// kind: a library caller's <c>catch (GraphException)</c> must still see a graph problem as one.
    /// </summary>
    public static NasiException Named(string id, NasiException e)
    {
        var message = $"{id}: {e.Message}";
        return e switch
        {
            ModelLoadException => new ModelLoadException(message, e),
            GraphException => new GraphException(message, e),
            _ => new NasiException(message, e),
        };
    }

    private ScoreRow ScoreUnnamed(Candidate candidate, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var plan = Plan(candidate.Load(), candidate.Id);
        using var run = MetricRun.Run(new PassInputs(plan, Options, cancellationToken), Options.Metrics);
        return new ScoreRow
        {
            Id = candidate.Id,
            Metrics = run.Values,
            Parameters = plan.Parameters,
            InputShape = plan.InputShapeText,
            Route = plan.RouteName,
            Notes = plan.NotesText,
            Provider = run.Passes.Provider,
            Seconds = clock.Elapsed.TotalSeconds,
            Status = run.Missing.Count == 0 ? ScoreRow.Ok : "partial: " + string.Join("; ", run.Missing),
        };
    }

    /// <summary>
    /// Everything a score needs, decided once per model: the prepared graph, the batch (whose size a data file of
    /// n samples decides, <see cref="BatchSize.Resolve"/>), the limits checked, and the batch route
    /// (<see cref="BatchRouter"/>).
    /// </summary>
    public ScoringPlan Plan(ModelProto loaded, string source)
    {
        var notes = new List<string>();
        var model = Prepare(loaded, source, notes);
        var signature = ModelSignature.OfAnyBatch(model, BatchSize.Default, Options.InputShape, source);
        var data = OpenData(signature);
        var (size, dataNote) = BatchSize.Resolve(Options.BatchSize, data);
        if (dataNote is not null) notes.Add(dataNote);
        signature = signature.WithBatch(size);
        // Before anything runs: shape inference must show no empty value (ONNX Runtime's kernels can die on one).
        var inferred = InferredShapes.Of(model, new Dictionary<string, long[]> { [signature.Input] = MemoryEstimate.ProbeShape(signature) });
        inferred.RefuseEmpty(model, source);
        var parameters = CheckLimits(model, signature, source, inferred);
        var routed = BatchRouter.Route(model, signature, Options.Route, source);
        if (routed.Note is not null) notes.Add(routed.Note);
        var channelsLast = InputLayout.IsChannelsLast(model, signature.Input, signature.InputShape);
        return new ScoringPlan(routed.Model, signature, routed.Route, routed.ModelBatch, parameters, data, data.Draw(size), channelsLast, notes);
    }

    /// <summary>
    /// The model as the engine scores it: the logits before a final Softmax as its output, Constant weights as
    /// initializers, BatchNorm mode as asked. What was changed that a row should say goes to <paramref name="notes"/>.
    /// </summary>
    public ModelProto Prepare(ModelProto model, string source, List<string>? notes = null)
    {
        model = model.Clone();
        if (FinalSoftmax.Remove(model) is { } note) notes?.Add(note);
        // Older exports are rewritten to opset 17, the opset the gradient rules emit into. A model we cannot
        // rewrite stays as it is: the forward-only metrics still run, and NASI's row says why it is missing.
        var upgraded = model.Clone();
        try
        {
            OpsetUpgrade.ToOpset17(upgraded, source);
            model = upgraded;
        }
        catch (GraphException e)
        {
            // The row says why NASI (whose gradient graph needs opset 17) cannot come out.
            notes?.Add("not brought to opset 17: " + (e.Message.StartsWith(source + ": ", StringComparison.Ordinal) ? e.Message[(source.Length + 2)..] : e.Message));
        }
        ModelNormalizer.ConstantsToInitializers(model);
        ModelNormalizer.RecurrentToSequenceFirst(model); // ONNX Runtime runs layout-0 recurrent nodes only
        if (Options.BatchNorm == BatchNormMode.Training) ModelNormalizer.BatchNormToTraining(model, source);
        return model;
    }

    public BatchSource OpenData(ModelSignature signature) => Options.Data.Open(signature, Options.Seed);

    /// <summary>Refuses, before anything is allocated for it, a model over the limits; returns its parameter count.</summary>
    public long CheckLimits(ModelProto model, ModelSignature signature, string source, InferredShapes? inferred = null)
    {
        foreach (var t in model.Graph.Initializer)
        {
            if (TensorData.IsExternal(t))
                throw new NasiException($"{source}: initializer '{t.Name}' keeps its data in an external file, which is not supported");
            foreach (var d in t.Dims)
                if (d < 0 || d > int.MaxValue) throw new NasiException($"{source}: initializer '{t.Name}' has an absurd dimension {d}");
        }
        var parameters = ParameterSet.Of(model).Count;
        if (Options.MaxParameters is { } maxParams && parameters > maxParams)
            throw new NasiException($"{source}: {parameters:N0} parameters exceed --max-params {maxParams:N0}");
        if (Options.MaxMemoryBytes is { } maxBytes)
        {
            var estimate = MemoryEstimate.Bytes(model, signature, parameters, stopAbove: maxBytes, inferred);
            if (estimate > maxBytes)
                throw new NasiException($"{source}: needs about {estimate / (1 << 20):N0} MiB, more than --max-memory {maxBytes / (1 << 20):N0} MiB");
        }
        return parameters;
    }

    public void Dispose() { }
}
