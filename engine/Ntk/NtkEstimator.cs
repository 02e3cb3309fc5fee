using System.Diagnostics;
using System.Runtime.ExceptionServices;
using Onnx;
using NasiOnnx.Engine.Data;
using NasiOnnx.Engine.Graphs;
using NasiOnnx.Engine.Runtime;

namespace NasiOnnx.Engine.Ntk;

/// <summary>
/// Monte-Carlo estimates of the empirical NTK of one batch from Jacobian-vector products: the trace
/// E_v ‖J v‖² = ‖J‖²_F and the Gram matrix E_v (J v)(J v)ᵀ = J Jᵀ, for any v with E[v vᵀ] = I.
/// Probes run in rounds, one probe per worker, and are combined in probe order, and probe k's direction
/// depends only on (seed, k): the same seed gives the same numbers however the threads are timed.
/// One estimate at a time per instance: the workers' buffers are reused.
/// </summary>
/// <remarks>
/// The exact reference, <see cref="ExactJacobian"/> (one backward pass per sample and logit through the gradient
/// graph), is an <see cref="IJacobianProduct"/> too, so the estimators run on it with the same probes.
/// </remarks>
public sealed class NtkEstimator : IDisposable
{
    /// <summary>Largest b·n for which <see cref="Gram"/> builds the full bn × bn matrix (128 MiB of doubles).</summary>
    public const int MaxGramRows = 4096;

    private readonly IJacobianProduct[] _workers;
    private readonly bool _ownsWorkers;
    private readonly float[][] _directions;
    private readonly double[][] _products;

    /// <summary>
    /// Estimates with caller-owned workers (identical models and batches, one per thread), e.g. an exact
    /// Jacobian. Only the probe settings of <paramref name="options"/> apply; Step, Scheme, Workers,
    /// ThreadsPerWorker and Provider are the workers' own (Step and Scheme are still echoed in results).
    /// </summary>
    public NtkEstimator(IReadOnlyList<IJacobianProduct> workers, NtkOptions options) : this(workers, options, owns: false) { }

    private NtkEstimator(IReadOnlyList<IJacobianProduct> workers, NtkOptions options, bool owns)
    {
        options.Validate();
        if (workers.Count == 0) throw new NasiException("Workers = 0: the estimator needs at least one Jacobian product.");
        var first = workers[0];
        foreach (var w in workers)
            if (w.Parameters != first.Parameters || w.BatchSize != first.BatchSize || w.Outputs != first.Outputs)
                throw new NasiException(
                    $"Workers disagree: {w.Parameters} parameters, batch {w.BatchSize}, {w.Outputs} outputs vs {first.Parameters}, {first.BatchSize}, {first.Outputs}.");
        _workers = workers.ToArray();
        _ownsWorkers = owns;
        Options = options;
        _directions = _workers.Select(w => new float[w.Parameters]).ToArray();
        _products = _workers.Select(w => new double[w.BatchSize * w.Outputs]).ToArray();
    }

    /// <summary>
    /// Opens the workers for <paramref name="model"/> on the batch <paramref name="inputs"/> ([b, …]): finite-
    /// difference JVPs on <see cref="NtkOptions.Workers"/> sessions, each owning a pinned copy of θ.
    /// </summary>
    public static NtkEstimator Create(ModelProto model, Tensor inputs, NtkOptions? options = null)
    {
        options ??= NtkOptions.Default;
        options.Validate();
        var parameterized = ParameterizedModel.Of(model);
        var runtime = new RuntimeOptions { Provider = options.Provider, IntraOpThreads = options.ThreadsPerWorker, InterOpThreads = 1 };
        var count = options.Workers > 0 ? options.Workers
            : SessionFactory.ProviderName(runtime) == "CUDA" ? 1 : Environment.ProcessorCount;
        var workers = new List<IJacobianProduct>(count);
        try
        {
            for (var i = 0; i < count; i++) workers.Add(new FiniteDifferenceJvp(parameterized, inputs, runtime, options.Step, options.Scheme, options.SamplesPerPass));
            return new NtkEstimator(workers, options, owns: true);
        }
        catch
        {
            foreach (var w in workers) (w as IDisposable)?.Dispose();
            throw;
        }
    }

    /// <summary>As <see cref="Create(ModelProto, Tensor, NtkOptions?)"/> on the batch's inputs (labels are not used).</summary>
    public static NtkEstimator Create(ModelProto model, Batch batch, NtkOptions? options = null) =>
        Create(model, batch.Inputs, options);

    public NtkOptions Options { get; }

    public int Workers => _workers.Length;
    public int Parameters => _workers[0].Parameters;
    public int BatchSize => _workers[0].BatchSize;
    public int Outputs => _workers[0].Outputs;
    public string Provider => _workers[0].Provider;

    /// <summary>The trace estimate: mean of ‖J v‖² over the probes, with its standard error.</summary>
    public NtkTrace Trace(IProgress<NtkProgress>? progress = null, CancellationToken cancellationToken = default) =>
        Probe(null, progress, cancellationToken);

    /// <summary>
    /// The Gram matrix estimate from the same probes as <see cref="Trace"/> (same count or stopping rule, same
    /// seed): the b × b per-sample matrix always, the bn × bn one when <see cref="NtkOptions.FullGram"/> is set,
    /// each with its spectrum.
    /// </summary>
    public NtkGram Gram(IProgress<NtkProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var rows = BatchSize * Outputs;
        var withFull = Options.FullGram;
        if (withFull && rows > MaxGramRows)
            throw new NasiException(
                $"Full Gram matrix of {rows} rows (batch {BatchSize} × {Outputs} outputs): at most {MaxGramRows}; set FullGram = false for the per-sample one.");
        var b = BatchSize;
        var fullSum = withFull ? new double[rows * rows] : null;
        var sampleSum = new double[b * b];
        var trace = Probe(jv =>
        {
            if (fullSum is not null) AddOuterProduct(fullSum, jv, 1);
            AddOuterProduct(sampleSum, jv, Outputs);
        }, progress, cancellationToken);
        var sample = Symmetric(sampleSum, b, trace.Probes);
        var full = fullSum is null ? null : Symmetric(fullSum, rows, trace.Probes);
        return new NtkGram(trace, full, sample, full is null ? null : NtkSpectrum.Of(full), NtkSpectrum.Of(sample));
    }

    /// <summary>Upper triangle of sum / count, mirrored.</summary>
    private static GramMatrix Symmetric(double[] sum, int size, int count)
    {
        var values = new double[size * size];
        for (var i = 0; i < size; i++)
        for (var j = i; j < size; j++)
            values[i * size + j] = values[j * size + i] = sum[i * size + j] / count;
        return new GramMatrix(size, values);
    }

    /// <summary>
    /// Adds the upper triangle of Σ_c u_c u_cᵀ, where jv is read as [m, width] and u_c is its column c: width 1
    /// gives the full (J v)(J v)ᵀ, width n the per-sample contraction over logits.
    /// </summary>
    private static void AddOuterProduct(double[] sum, double[] jv, int width)
    {
        var m = jv.Length / width;
        for (var i = 0; i < m; i++)
        {
            var a = jv.AsSpan(i * width, width);
            var row = sum.AsSpan(i * m, m);
            for (var j = i; j < m; j++)
            {
                var bRow = jv.AsSpan(j * width, width);
                double dot = 0;
                for (var c = 0; c < width; c++) dot += a[c] * bRow[c];
                row[j] += dot;
            }
        }
    }

    private NtkTrace Probe(Action<double[]>? onProbe, IProgress<NtkProgress>? progress, CancellationToken cancellationToken)
    {
        var o = Options;
        var clock = Stopwatch.StartNew();
        var adaptive = o.RelativeError is not null;
        var target = adaptive ? o.MaxProbes : o.Probes;
        var done = 0;
        double mean = 0, m2 = 0;
        var converged = !adaptive;
        while (done < target)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var round = Math.Min(_workers.Length, target - done);
            RunRound(done, round, cancellationToken);
            for (var w = 0; w < round; w++)
            {
                var jv = _products[w];
                double t = 0;
                foreach (var x in jv) t += x * x;
                done++;
                var delta = t - mean; // Welford: stable for the long adaptive runs
                mean += delta / done;
                m2 += delta * (t - mean);
                onProbe?.Invoke(jv);
                var se = StandardError(m2, done);
                if (done >= 2) progress?.Report(new NtkProgress(done, mean, se));
                if (adaptive && done >= o.MinProbes && se <= o.RelativeError!.Value * Math.Abs(mean))
                {
                    converged = true;
                    break; // later probes of this round are dropped: the result must not depend on the worker count
                }
            }
            if (adaptive && converged) break;
        }
        return new NtkTrace(mean, StandardError(m2, done), done, converged, clock.Elapsed.TotalSeconds, Provider,
            _workers.Length, BatchSize, Outputs, Parameters, o.ProbeKind, o.Seed, o.Step, o.Scheme);
    }

    private static double StandardError(double m2, int n) => n < 2 ? 0 : Math.Sqrt(m2 / (n - 1) / n);

    /// <summary>Probes first … first + count − 1, probe first + w on worker w.</summary>
    private void RunRound(int first, int count, CancellationToken cancellationToken)
    {
        if (count == 1)
        {
            ProbeOn(0, first);
            return;
        }
        try
        {
            Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = count, CancellationToken = cancellationToken },
                w => ProbeOn(w, first + w));
        }
        catch (AggregateException e) when (e.InnerExceptions.Count >= 1)
        {
            ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw();
        }
    }

    private void ProbeOn(int worker, int probe)
    {
        ProbeDirection.Fill(_directions[worker], Options.ProbeKind, Options.Seed, probe);
        _workers[worker].Multiply(_directions[worker], _products[worker]);
    }

    public void Dispose()
    {
        if (!_ownsWorkers) return;
        foreach (var w in _workers) (w as IDisposable)?.Dispose();
    }
}
