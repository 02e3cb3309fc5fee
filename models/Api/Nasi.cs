using System.Diagnostics;
using NasiOnnx.Engine;
using NasiOnnx.Engine.Costs;
using NasiOnnx.Engine.Data;
using NasiOnnx.Engine.Graphs;
using NasiOnnx.Engine.Metrics;
using NasiOnnx.Engine.Proxies;
using NasiOnnx.Engine.Ntk;
using NasiOnnx.Engine.Ranking;
using NasiOnnx.Engine.Scoring;
using NasiOnnx.Engine.Search;
using NasiOnnx.Models.Nb201;
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
            var scorer = new ModelScorer(options); // validates the metric options
            var plan = scorer.Plan(model.Load(), model.Id);
            using var run = MetricRun.Run(new PassInputs(plan, scorer.Options, cancellationToken), scorer.Options.Metrics);
            NasiSummary? nasi = null;
            NtkSummary? ntk = null;
            if (run.Passes.Find<GradientPass>(ScoringPass.Gradient) is { } g && scorer.Options.Metrics.Contains(Metric.Nasi))
            {
                var s = g.Score;
                double? objective = scorer.Options.Nu is { } nu ? MetricTable.Objective(s.Score, scorer.Options) : null;
                nasi = new NasiSummary(s.Score, s.GradientNorm, s.Loss, s.BuildSeconds, s.RunSeconds, objective);
            }
            if (run.Passes.Find<NtkTrace>(ScoringPass.Ntk) is { } t)
                ntk = new NtkSummary(t.Trace, t.StandardError, t.Probes, t.Converged, t.Seconds);
            string[] summarized = ["nasi", "loss", "objective", "ntk", "ntk_se"];
            var proxies = run.Values.Where(kv => !summarized.Contains(kv.Key)).ToDictionary(kv => kv.Key, kv => kv.Value);
            return new ModelScore(model.Id, plan.Parameters, plan.Signature.InputShape, plan.Data.Description, plan.Data.Labels.ToString().ToLowerInvariant(),
                scorer.Options.Seed, nasi, ntk, run.Passes.Provider, clock.Elapsed.TotalSeconds,
                proxies.Count > 0 ? proxies : null, run.Missing.Count > 0 ? run.Missing : null)
            {
                Batch = plan.RouteName,
                ChannelsLast = plan.ChannelsLast,
                Notes = plan.Notes,
            };
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
                var plan = new ModelScorer(options).Plan(model.Load(), model.Id);
                if (exact && plan.Route == BatchRoute.PerSample)
                    throw new NasiException("the exact Jacobian needs the whole batch in one pass, and this model is scored per-sample; leave out --exact");
                using var estimator = NtkEstimator.Create(plan.Model, plan.Batch.Inputs, plan.Ntk(options.Ntk, options.Seed));
                NtkGram? gram = null;
                var trace = spectrum ? (gram = estimator.Gram(progress, cancellationToken)).Trace : estimator.Trace(progress, cancellationToken);
                ExactJacobian? jacobian = exact ? ExactJacobian.Compute(plan.Model, plan.Batch.Inputs, options.Runtime) : null;
                return new NtkReport(model.Id, plan.Parameters, estimator.BatchSize, estimator.Outputs, plan.Data.Description, trace,
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

    /// <summary>
    /// NASI's Algorithm 1 on <paramref name="space"/>'s supernet; derives the architecture by the space's rule. With
    /// <see cref="NasiSearchOptions.Objective"/> another metric than <c>nasi</c> (beyond the paper): the same one-step
    /// search of E_{A∼p_α}[R(A)] with R that metric of each sampled architecture's evaluation network
    /// (<see cref="ScoreFunctionSearch"/>; NAS-Bench-201 only). Under a <see cref="NasiSearchOptions.Budget"/> (beyond
    /// the paper) the architecture returned always meets every constraint: NASI's objective derives the feasible
    /// architecture α* ranks highest (<see cref="SearchSpace.DeriveFeasible"/>); a metric objective samples feasible
    /// architectures only, evolves feasible ones (<see cref="RegularizedEvolution"/>) and returns the best scored.
    /// A budget no architecture meets is refused naming the smallest cost there is.
    /// </summary>
    public static Task<SearchOutcome> SearchAsync(SearchSpace space, NasiSearchOptions? options = null, DataOptions? data = null,
        IProgress<NasiSearchProgress>? progress = null, CancellationToken cancellationToken = default) =>
        Task.Run(() =>
        {
            options ??= new NasiSearchOptions();
            options.Validate();
            var feasibility = FeasibilityOf(space, options);
            if (!options.Objective.Equals(NasiSearchOptions.NasiObjective, StringComparison.OrdinalIgnoreCase))
                return SearchByScore(space, options, data ?? DataOptions.Gaussian, feasibility, progress, cancellationToken);
            var supernet = space.BuildSupernet(options.Seed);
            var signature = ModelSignature.Of(supernet, options.BatchSize, source: $"{space.Name} supernet");
            var source = (data ?? DataOptions.Smooth).Open(signature, options.Seed);
            using var search = NasiSearch.Create(supernet, space.ArchitectureInputs, options);
            var result = search.Run(source, progress, cancellationToken);
            var architecture = feasibility is null ? space.Derive(result.Alpha) : space.DeriveFeasible(result.Alpha, feasibility);
            return new SearchOutcome(space.Name, options.Variant, architecture, options.Samples, options.Seed,
                options.Mu, result.InitialNu, result.Samples[^1].Nu, result.Samples.Average(s => s.Score),
                result.Samples.Average(s => s.Objective), result.Alpha, result.Samples.Select(s => s.Score).ToList(),
                search.BuildSeconds, result.Seconds, result.SecondsPerSample, result.Provider)
            {
                Method = feasibility is null ? "NASI Algorithm 1" : "NASI Algorithm 1 + feasible derivation (beyond the paper)",
                Constraints = options.Budget.ToString(),
                Cost = feasibility?.CostOf(architecture),
            };
        }, cancellationToken);

    /// <summary>The budget's feasibility test for <paramref name="space"/>, checked to admit some architecture; null without a budget.</summary>
    private static Feasibility? FeasibilityOf(SearchSpace space, NasiSearchOptions options)
    {
        if (options.Budget.IsEmpty) return null;
        if (options.Budget.NeedsLatency)
            throw new NasiException($"--constraint {options.Budget}: latency_ms constraints need the latency meter, which is not in this build yet");
        var feasibility = new Feasibility(options.Budget, space.Cost);
        space.CheckFeasible(feasibility);
        return feasibility;
    }

    private static SearchOutcome SearchByScore(SearchSpace space, NasiSearchOptions options, DataOptions data, Feasibility? feasibility,
        IProgress<NasiSearchProgress>? progress, CancellationToken cancellationToken)
    {
        if (space is not Nb201SearchSpace nb201)
            throw new NasiException($"--objective {options.Objective}: a metric objective samples whole architectures, which only nb201 defines (not {space.Name})");
        var metric = ParseObjective(options.Objective);
        var scorer = new ModelScorer(new ScoringOptions
        {
            Metrics = [metric], BatchSize = options.BatchSize, Seed = options.Seed, Data = data, Runtime = options.Runtime,
        });
        var column = scorer.Metrics[0];
        var scores = new Dictionary<string, double>(StringComparer.Ordinal); // a cell drawn twice is scored once
        var scored = new List<(string Cell, double R)>(); // in the order first scored
        var provider = "";
        string CellOf(double[] oneHot)
        {
            var alpha = new Dictionary<string, double[]>(StringComparer.Ordinal);
            var offset = 0;
            foreach (var input in space.ArchitectureInputs)
            {
                alpha[input.Name] = oneHot[offset..(offset + input.Count)];
                offset += input.Count;
            }
            return space.Derive(alpha);
        }
        double Score(string cell)
        {
            if (scores.TryGetValue(cell, out var known)) return known;
            var row = scorer.Score(new Candidate(cell, () => space.BuildNetwork(cell, options.Seed)), cancellationToken);
            var value = row.Metric(column);
            if (!double.IsFinite(value)) throw new NasiException($"{cell}: {column} is not available ({row.Status})");
            provider = row.Provider;
            scored.Add((cell, value));
            return scores[cell] = value;
        }
        var clock = Stopwatch.StartNew();
        var evolution = options.EvolutionEvaluations;
        Func<double[], bool>? feasible = feasibility is null ? null : oneHot => feasibility.Fits(CellOf(oneHot));
        var result = ScoreFunctionSearch.Run(space.ArchitectureInputs, options with { Samples = options.Samples - evolution, Evolution = 0 },
            (_, oneHot) => Score(CellOf(oneHot)), progress is null ? null : new Relay(progress, options.Samples, 0), cancellationToken, feasible);
        var values = result.Samples.Select(s => s.Score).ToList();
        if (evolution > 0)
        {
            var allowed = nb201.DeriveWithoutNone ? Enumerable.Range(1, Nb201OpNames.All.Count - 1).ToArray() : Enumerable.Range(0, Nb201OpNames.All.Count).ToArray();
            static int[] Genome(string cell) => Nb201Cell.Parse(cell).Edges.Select(e => (int)e.Op).ToArray();
            static string Key(int[] genome) => new Nb201Cell(genome.Select(o => (Nb201Op)o).ToArray()).ToString();
            var relay = progress is null ? null : new Relay(progress, options.Samples, options.Samples - evolution);
            var children = RegularizedEvolution.Run(scored.Select(s => (Genome(s.Cell), s.R)).ToList(), allowed,
                new EvolutionOptions { Evaluations = evolution, Seed = options.Seed }, Key,
                g => feasibility?.Fits(Key(g)) ?? true,
                g =>
                {
                    var r = Score(Key(g));
                    relay?.Report(new NasiSearchProgress(0, 0, new NasiSample(0, r, r, double.NaN, double.NaN, [], double.NaN), clock.Elapsed));
                    return r;
                }, cancellationToken);
            values.AddRange(children.Select(c => c.R));
        }
        // Unconstrained and without evolution: α*'s derivation, the paper's one step. Otherwise the best-scored cell:
        // every scored cell is feasible, and the proxy is what the search maximises.
        var constrainedOrEvolved = feasibility is not null || evolution > 0;
        var architecture = constrainedOrEvolved ? scored.Aggregate((a, b) => b.R > a.R ? b : a).Cell : space.Derive(result.Alpha);
        var seconds = clock.Elapsed.TotalSeconds;
        return new SearchOutcome(space.Name, options.Variant, architecture, options.Samples, options.Seed,
            options.Mu, double.NaN, double.NaN, values.Average(), values.Average(), result.Alpha, values, 0,
            seconds, seconds / options.Samples, provider)
        {
            Method = !constrainedOrEvolved ? $"score-function step on {options.Objective} (beyond NASI)"
                : $"{(feasibility is null ? "" : "feasible ")}sampling + score-function step on {options.Objective}, then {evolution} regularized-evolution children; the best-scored {(feasibility is null ? "" : "feasible ")}cell (beyond NASI)",
            Constraints = options.Budget.ToString(),
            Cost = feasibility?.CostOf(architecture),
            Evaluated = scored.Count,
        };
    }

    /// <summary>Reports one phase's progress as steps of the whole search: done counts from <paramref name="offset"/> out of <paramref name="total"/>.</summary>
    private sealed class Relay(IProgress<NasiSearchProgress> inner, int total, int offset) : IProgress<NasiSearchProgress>
    {
        private int _done = offset;

        public void Report(NasiSearchProgress value) => inner.Report(value with { Done = ++_done, Total = total });
    }

    private static Metric ParseObjective(string name)
    {
        Metric metric;
        try
        {
            metric = Metric.Parse(name);
        }
        catch (NasiException)
        {
            throw new NasiException($"--objective '{name}': expected nasi or one of {string.Join(", ", MetricTable.Entries.Select(e => e.Name))}");
        }
        return metric == Metric.Objective
            ? throw new NasiException("--objective objective: R needs a ν per model; use --objective nasi, NASI's own search")
            : metric;
    }
}
