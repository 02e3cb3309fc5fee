using System.Diagnostics;
using NasiOnnx.Engine;
using NasiOnnx.Engine.Data;
using NasiOnnx.Engine.Graphs;
using NasiOnnx.Engine.Metrics;
using NasiOnnx.Engine.Ntk;
using NasiOnnx.Engine.Ranking;
using NasiOnnx.Engine.Scoring;
using NasiOnnx.Engine.Search;
using NasiOnnx.Models.Spaces;

namespace NasiOnnx.Models.Api;

/// <summary>
/// The engine as a library: score a model, estimate its NTK, rank many models, run the NASI search. Every call
/// owns its sessions, so calls from several threads at once are safe; long calls take a CancellationToken and an
/// IProgress. Nothing here writes to the console. Errors in the inputs (a file, a cell string, a node, an option)
/// are <see cref="NasiException"/>s whose message names what was wrong: <see cref="ModelLoadException"/> for
/// unreadable models, <see cref="GraphException"/> for graphs the engine cannot handle (an op without a gradient
/// rule, say); cancellation is an <see cref="OperationCanceledException"/>.
/// </summary>
public static class Nasi
{
    /// <summary>Every metric of <paramref name="options"/> (default: the NASI score on a Gaussian batch of 64).</summary>
    public static Task<ModelScore> ScoreAsync(ModelSource model, ScoringOptions? options = null,
        IProgress<NtkProgress>? progress = null, CancellationToken cancellationToken = default) =>
        Task.Run(() => Score(model, options, progress, cancellationToken), cancellationToken);

    /// <inheritdoc cref="ScoreAsync"/>
    public static ModelScore Score(ModelSource model, ScoringOptions? options = null,
        IProgress<NtkProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        options ??= new ScoringOptions();
        try
        {
            var clock = Stopwatch.StartNew();
            var (prepared, signature, parameters, data, batch) = Prepare(model, options);
            NasiSummary? nasi = null;
            NtkSummary? ntk = null;
            var provider = "";
            if (options.Metrics.Contains(Metric.Nasi) || options.Metrics.Contains(Metric.Objective))
            {
                using var scorer = NasiScorer.Create(prepared, signature.InputShape, options.Runtime);
                var s = scorer.Score(batch);
                double? objective = options.Nu is { } nu ? s.Score - options.Mu * Math.Max(0, s.Score - nu) : null;
                nasi = new NasiSummary(s.Score, s.GradientNorm, s.Loss, s.BuildSeconds, s.RunSeconds, objective);
                provider = s.Provider;
            }
            cancellationToken.ThrowIfCancellationRequested();
            if (options.Metrics.Contains(Metric.Ntk))
            {
                using var estimator = NtkEstimator.Create(prepared, batch.Inputs, options.Ntk with { Seed = options.Seed });
                var t = estimator.Trace(progress, cancellationToken);
                ntk = new NtkSummary(t.Trace, t.StandardError, t.Probes, t.Converged, t.Seconds);
                provider = t.Provider;
            }
            return new ModelScore(model.Id, parameters, signature.InputShape, data.Description, data.Labels.ToString().ToLowerInvariant(),
                options.Seed, nasi, ntk, provider, clock.Elapsed.TotalSeconds);
        }
        catch (NasiException e) when (!e.Message.Contains(model.Id, StringComparison.Ordinal))
        {
            throw ModelScorer.Named(model.Id, e);
        }
    }

    /// <summary>
    /// The NTK trace by finite perturbation (probes as in <see cref="ScoringOptions.Ntk"/>); with
    /// <paramref name="spectrum"/> the Gram matrix's eigenvalues too, and with <paramref name="exact"/> the exact values
    /// from one backward pass per sample and logit (small batches).
    /// </summary>
    public static Task<NtkReport> NtkAsync(ModelSource model, ScoringOptions? options = null, bool spectrum = false, bool exact = false,
        IProgress<NtkProgress>? progress = null, CancellationToken cancellationToken = default) =>
        Task.Run(() =>
        {
            options ??= new ScoringOptions { Metrics = [Metric.Ntk] };
            try
            {
                var (prepared, _, parameters, data, batch) = Prepare(model, options);
                using var estimator = NtkEstimator.Create(prepared, batch.Inputs, options.Ntk with { Seed = options.Seed });
                NtkGram? gram = null;
                var trace = spectrum ? (gram = estimator.Gram(progress, cancellationToken)).Trace : estimator.Trace(progress, cancellationToken);
                ExactJacobian? jacobian = exact ? ExactJacobian.Compute(prepared, batch.Inputs, options.Runtime) : null;
                return new NtkReport(model.Id, parameters, estimator.BatchSize, estimator.Outputs, data.Description, trace,
                    gram?.FullSpectrum, gram?.PerSampleSpectrum, jacobian?.Trace(),
                    jacobian is not null && spectrum ? NtkSpectrum.Of(jacobian.Gram()) : null, jacobian?.Seconds);
            }
            catch (NasiException e) when (!e.Message.Contains(model.Id, StringComparison.Ordinal))
            {
                throw ModelScorer.Named(model.Id, e);
            }
        }, cancellationToken);

    /// <summary>
    /// Scores many models in parallel (<see cref="RankingOptions.Workers"/>), each row appended to
    /// <paramref name="resultsPath"/> (CSV, or JSON lines for .jsonl) as it finishes; a later call with the same path
    /// skips what is there. A model that fails becomes an error row. Returns the rows of <paramref name="models"/>
    /// and of their <see cref="ModelSource.Members"/> (isomorphic cells scored once, <see cref="ModelSource.Nb201Class"/>).
    /// </summary>
    public static async Task<IReadOnlyList<ScoreRow>> RankAsync(IEnumerable<ModelSource> models, ScoringOptions? options = null,
        RankingOptions? ranking = null, string? resultsPath = null, IProgress<RankingProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        options ??= new ScoringOptions();
        ranking ??= new RankingOptions();
        if (ranking.Workers > 1)
        {
            // One core per worker: each model's sessions, NTK probes included, run on one thread.
            if (options.Runtime.IntraOpThreads == 0) options = options with { Runtime = options.Runtime with { IntraOpThreads = 1 } };
            if (options.Ntk.Workers == 0) options = options with { Ntk = options.Ntk with { Workers = 1 } };
        }
        var columns = new ModelScorer(options).Metrics;
        var candidates = models.Select(m => m.ToCandidate()).ToList();
        using var log = resultsPath is null ? null : ResultLog.Open(resultsPath, columns, scoredAs: candidates.Any(c => c.Members.Count > 0));
        return await RankingRunner.RunAsync(candidates, () => new ModelScorer(options), log,
            ranking, progress, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>NASI's Algorithm 1 on <paramref name="space"/>'s supernet; derives the architecture by the space's rule.</summary>
    public static Task<SearchOutcome> SearchAsync(SearchSpace space, NasiSearchOptions? options = null, DataOptions? data = null,
        IProgress<NasiSearchProgress>? progress = null, CancellationToken cancellationToken = default) =>
        Task.Run(() =>
        {
            options ??= new NasiSearchOptions();
            options.Validate();
            var supernet = space.BuildSupernet(options.Seed);
            var signature = ModelSignature.Of(supernet, options.BatchSize, source: $"{space.Name} supernet");
            var source = (data ?? DataOptions.Gaussian).Open(signature, options.Seed);
            using var search = NasiSearch.Create(supernet, space.ArchitectureInputs, options);
            var result = search.Run(source, progress, cancellationToken);
            return new SearchOutcome(space.Name, options.Variant, space.Derive(result.Alpha), options.Samples, options.Seed,
                options.Mu, result.InitialNu, result.Samples[^1].Nu, result.Samples.Average(s => s.Score),
                result.Samples.Average(s => s.Objective), result.Alpha, result.Samples.Select(s => s.Score).ToList(),
                search.BuildSeconds, result.Seconds, result.SecondsPerSample, result.Provider);
        }, cancellationToken);

    private static (Onnx.ModelProto Model, ModelSignature Signature, long Parameters, BatchSource Data, Batch Batch) Prepare(
        ModelSource model, ScoringOptions options)
    {
        var scorer = new ModelScorer(options);
        var prepared = scorer.Prepare(model.Load(), model.Id);
        var signature = ModelSignature.Of(prepared, options.BatchSize, options.InputShape, model.Id);
        var parameters = scorer.CheckLimits(prepared, signature, model.Id);
        var data = scorer.OpenData(signature);
        return (prepared, signature, parameters, data, data.Draw(options.BatchSize));
    }
}
