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
        var model = Prepare(candidate.Load(), candidate.Id);
        var signature = ModelSignature.Of(model, Options.BatchSize, Options.InputShape, candidate.Id);
        var parameters = CheckLimits(model, signature, candidate.Id);
        var data = OpenData(signature);
        var batch = data.Draw(Options.BatchSize);
        using var run = MetricRun.Run(new PassInputs(model, signature, parameters, batch, data, Options, cancellationToken), Options.Metrics);
        return new ScoreRow
        {
            Id = candidate.Id,
            Metrics = run.Values,
            Parameters = parameters,
            InputShape = string.Join("x", signature.InputShape),
            Provider = run.Passes.Provider,
            Seconds = clock.Elapsed.TotalSeconds,
            Status = run.Missing.Count == 0 ? ScoreRow.Ok : "partial: " + string.Join("; ", run.Missing),
        };
    }

    /// <summary>The model as the engine scores it: Constant weights as initializers, BatchNorm mode as asked.</summary>
    public ModelProto Prepare(ModelProto model, string source)
    {
        model = model.Clone();
        // Older exports are rewritten to opset 17, the opset the gradient rules emit into. A model we cannot
        // rewrite stays as it is: the forward-only metrics still run, and NASI's row says why it is missing.
        var upgraded = model.Clone();
        try
        {
            OpsetUpgrade.ToOpset17(upgraded, source);
            model = upgraded;
        }
        catch (GraphException) { }
        ModelNormalizer.ConstantsToInitializers(model);
        if (Options.BatchNorm == BatchNormMode.Training) ModelNormalizer.BatchNormToTraining(model, source);
        return model;
    }

    public BatchSource OpenData(ModelSignature signature) => Options.Data.Open(signature, Options.Seed);

    /// <summary>Refuses, before anything is allocated for it, a model over the limits; returns its parameter count.</summary>
    public long CheckLimits(ModelProto model, ModelSignature signature, string source)
    {
        var parameters = ParameterSet.Of(model).Count;
        if (Options.MaxParameters is { } maxParams && parameters > maxParams)
            throw new NasiException($"{source}: {parameters:N0} parameters exceed --max-params {maxParams:N0}");
        foreach (var t in model.Graph.Initializer)
        {
            if (TensorData.IsExternal(t))
                throw new NasiException($"{source}: initializer '{t.Name}' keeps its data in an external file, which is not supported");
            foreach (var d in t.Dims)
                if (d < 0 || d > int.MaxValue) throw new NasiException($"{source}: initializer '{t.Name}' has an absurd dimension {d}");
        }
        if (Options.MaxMemoryBytes is { } maxBytes)
        {
            var estimate = MemoryEstimate.Bytes(model, signature, parameters);
            if (estimate > maxBytes)
                throw new NasiException($"{source}: needs about {estimate / (1 << 20):N0} MiB, more than --max-memory {maxBytes / (1 << 20):N0} MiB");
        }
        return parameters;
    }

    public void Dispose() { }
}
