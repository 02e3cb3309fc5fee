using System.Diagnostics;
using Microsoft.ML.OnnxRuntime;
using NasiOnnx.Engine.Autodiff;
using NasiOnnx.Engine.Data;
using NasiOnnx.Engine.Graphs;
using NasiOnnx.Engine.Init;
using NasiOnnx.Engine.Runtime;
using Onnx;

namespace NasiOnnx.Engine.Search;

/// <summary>
/// NASI's Algorithm 1 on a supernet whose mixing weights A are graph inputs: for t = 1..T draw a batch and Gumbel
/// noise, set A_t = softmax((α₀ + g_t)/τ), take G_t = ∇α R(A_t) with R = S − μ·max(0, S − ν), and accumulate
/// Δ* = (ξ/T) Σ G_t / max_{s≤t} ‖G_s‖. Nothing is trained: θ₀ stays as initialized.
/// <para>
/// ∂S/∂A is second order (S = ‖g‖², g = ∇θ L). It is computed as a Hessian-vector product by central differences
/// of first-order gradients: ∂S/∂A = 2 (∂²L/∂A∂θ) g ≈ [∇_A L(θ + εg) − ∇_A L(θ − εg)] / ε. That needs only
/// first-order gradient graphs on pinned θ buffers edited in place: one with ∇θ L for S and g at θ, and one with ∇_A L
/// alone for θ ± εg, which never computes the weight gradients (about a third of a backward pass). The test suite
/// checks it against central differences of S itself.
/// </para>
/// </summary>
public sealed class NasiSearch : IDisposable
{
    private readonly Session _session;
    private readonly Session _archSession;
    private readonly NasiSearchOptions _options;
    private readonly IReadOnlyList<ArchitectureInput> _arch;
    private readonly string _dataInput;
    private readonly string _labelsInput;
    private readonly float[][] _theta, _thetaSaved;
    private readonly float[][] _archValues;
    private readonly OrtValue[] _pinned;
    private readonly string[] _pinnedNames;
    private readonly string[] _outputs, _archOutputs;
    private readonly int _parameterTensors;
    private readonly bool[] _scored;
    private readonly double _thetaNorm;

    public long[] InputShape { get; }
    public long Parameters { get; }
    public string Provider => _session.Provider;
    public double BuildSeconds { get; }

    /// <summary>Total mixing weights over all architecture inputs (the length of G_t).</summary>
    public int ArchitectureCount { get; }

    private NasiSearch(Session session, Session archSession, NasiSearchOptions options, IReadOnlyList<ArchitectureInput> arch, string dataInput,
        string labelsInput, long[] inputShape, IReadOnlyList<(string Name, float[] Values, long[] Dims)> theta,
        string[] outputs, string[] archOutputs, double buildSeconds)
    {
        _session = session;
        _archSession = archSession;
        _archOutputs = archOutputs;
        _options = options;
        _arch = arch;
        _dataInput = dataInput;
        _labelsInput = labelsInput;
        InputShape = inputShape;
        BuildSeconds = buildSeconds;
        _outputs = outputs;
        _parameterTensors = theta.Count;
        _scored = theta.Select(t => options.ScoredParameters?.Invoke(t.Name) ?? true).ToArray();
        if (!_scored.Any(v => v)) throw new NasiException("no parameter of the supernet is scored (check the parameter filter)");
        _theta = theta.Select(t => t.Values).ToArray();
        _thetaSaved = theta.Select(t => (float[])t.Values.Clone()).ToArray();
        _archValues = arch.Select(a => new float[a.Count]).ToArray();
        Parameters = _theta.Sum(t => (long)t.Length);
        ArchitectureCount = arch.Sum(a => a.Count);
        _thetaNorm = Math.Sqrt(_theta.Sum(t => Metrics.NasiScorer.SumOfSquares(t)));

        var pinned = new List<OrtValue>();
        var names = new List<string>();
        try
        {
            for (var i = 0; i < theta.Count; i++) { names.Add(theta[i].Name); pinned.Add(OrtValue.CreateTensorValueFromMemory(_theta[i], theta[i].Dims)); }
            for (var i = 0; i < arch.Count; i++) { names.Add(arch[i].Name); pinned.Add(OrtValue.CreateTensorValueFromMemory(_archValues[i], arch[i].Shape)); }
        }
        catch
        {
            foreach (var v in pinned) v.Dispose();
            throw;
        }
        _pinned = pinned.ToArray();
        _pinnedNames = names.ToArray();
    }

    /// <param name="supernet">Data input first, logits first output, every <paramref name="arch"/> a graph input.</param>
    /// <param name="arch">The supernet's architecture inputs, in the order G_t and α are laid out.</param>
    /// <param name="options">The search settings.</param>
    public static NasiSearch Create(ModelProto supernet, IReadOnlyList<ArchitectureInput> arch, NasiSearchOptions options)
    {
        options.Validate();
        if (options.Rounds > 1)
            throw new NasiException($"rounds ({options.Rounds}) apply to a metric objective; NASI's Algorithm 1 on the supernet takes one step");
        var clock = Stopwatch.StartNew();
        foreach (var a in arch)
            if (supernet.Graph.Input.All(i => i.Name != a.Name))
                throw new GraphException($"Supernet '{supernet.Graph.Name}' has no architecture input '{a.Name}'.");
        var signature = ModelSignature.Of(supernet, options.BatchSize, source: $"supernet '{supernet.Graph.Name}'");
        var parameterNames = ParameterSet.Of(supernet).Names.ToList();
        GradientModel Build(bool withParameters) => LossGradient.Build(supernet, signature.InputShape, signature.Output,
            arch.Select(a => a.Name).ToList(), signature.Input, arch.ToDictionary(a => a.Name, a => a.Shape),
            new GradientOptions { Kernels = SessionFactory.GradientKernels(options.Runtime) }, withParameters); // θ becomes inputs below: no constant weights
        var gradient = Build(withParameters: true);
        var archGradient = Build(withParameters: false);

        // θ becomes graph inputs so the ± εg runs edit pinned buffers instead of rebuilding sessions.
        var theta = new List<(string, float[], long[])>();
        foreach (var name in parameterNames)
        {
            var t = gradient.Model.Graph.Initializer.Single(i => i.Name == name);
            theta.Add((name, TensorData.ReadFloats(t), TensorData.Dims(t)));
        }
        string[] outputs = [gradient.Loss!, .. parameterNames.Select(n => gradient.Gradients[n])]; // ∇_A L at θ is never used
        string[] archOutputs = [.. arch.Select(a => archGradient.Gradients[a.Name])];
        var session = SessionFactory.Create(ParametersAsInputs(gradient.Model, parameterNames), options.Runtime);
        Session archSession;
        try
        {
            archSession = SessionFactory.Create(ParametersAsInputs(archGradient.Model, parameterNames), options.Runtime);
        }
        catch
        {
            session.Dispose();
            throw;
        }
        return new NasiSearch(session, archSession, options, arch, signature.Input, gradient.Labels!, signature.InputShape, theta,
            outputs, archOutputs, clock.Elapsed.TotalSeconds);
    }

    /// <summary>The parameters' initializers become graph inputs of the same name (both sessions read the pinned θ).</summary>
    private static ModelProto ParametersAsInputs(ModelProto model, IReadOnlyList<string> parameterNames)
    {
        var byName = model.Graph.Initializer.ToDictionary(t => t.Name, StringComparer.Ordinal);
        foreach (var name in parameterNames)
        {
            var t = byName[name];
            model.Graph.Initializer.Remove(t);
            model.Graph.Input.Add(GraphBuilder.ValueInfo(name, ElementType.Float, TensorData.Dims(t)));
        }
        return model;
    }

    /// <summary>Runs the whole search on batches from <paramref name="data"/> (step t uses batch t).</summary>
    public NasiSearchResult Run(BatchSource data, IProgress<NasiSearchProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var clock = Stopwatch.StartNew();
        var alpha0 = new double[ArchitectureCount];
        var seen = new List<double>();
        double nu0;
        if (_options.Nu is { } given) nu0 = given;
        else
        {
            // Calibration on batches the search itself never uses (steps past T): ν = a high quantile of S at α₀.
            for (var k = 0; k < _options.CalibrationSamples; k++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                seen.Add(ScoreAt(Softmax(alpha0, Gumbel(_options.Samples + k)), data.Draw(_options.BatchSize, _options.Samples + k)));
            }
            nu0 = Quantile(seen, _options.NuQuantile);
        }

        var samples = new List<NasiSample>();
        var delta = new double[ArchitectureCount];
        double maxNorm = 0;
        for (var t = 0; t < _options.Samples; t++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var nu = _options.Variant == NasiVariant.Ada && seen.Count > 0 ? Quantile(seen, _options.NuQuantile) : nu0;
            var sample = SampleAt(t, alpha0, Gumbel(t), data.Draw(_options.BatchSize, t), nu);
            samples.Add(sample);
            seen.Add(sample.Score);
            maxNorm = Math.Max(maxNorm, sample.GradientNorm);
            if (maxNorm > 0)
                for (var i = 0; i < delta.Length; i++) delta[i] += sample.Gradient[i] / maxNorm;
            progress?.Report(new NasiSearchProgress(t + 1, _options.Samples, sample, clock.Elapsed));
        }

        var alpha = new Dictionary<string, double[]>(StringComparer.Ordinal);
        var offset = 0;
        foreach (var a in _arch)
        {
            alpha[a.Name] = Enumerable.Range(offset, a.Count).Select(i => alpha0[i] + _options.Xi / _options.Samples * delta[i]).ToArray();
            offset += a.Count;
        }
        var seconds = clock.Elapsed.TotalSeconds;
        return new NasiSearchResult(alpha, samples, nu0, seconds, seconds / _options.Samples, Provider);
    }

    /// <summary>
    /// G = ∇α R at α with Gumbel noise g on one batch (α and g flat over the architecture inputs, row-major).
    /// </summary>
    public NasiSample SampleAt(int step, double[] alpha, double[] gumbel, Batch batch, double nu)
    {
        var a = Softmax(alpha, gumbel);
        // The supernet mixes by m(A): A itself, or √A (variance-preserving: independent unit-variance op outputs mix to
        // unit variance at every A, as any one-hot choice does). ∂/∂A = ∂/∂m · m'(A).
        var m = Mix(a);
        var center = Evaluate(m, batch);
        var dS = ScoreGradientAt(center.ThetaGradient, m, batch);
        if (_options.SqrtMixing)
            for (var i = 0; i < dS.Length; i++) dS[i] = m[i] > 0 ? dS[i] / (2 * m[i]) : 0; // A_j = 0 gets no gradient through the softmax anyway
        var penalized = center.Score > nu;
        var objective = center.Score - _options.Mu * Math.Max(0, center.Score - nu);
        var factor = penalized ? 1 - _options.Mu : 1;

        // Chain through the row softmax of (α + g)/τ: ∂R/∂α_j = (A_j/τ)(d_j − Σ_k A_k d_k), d = ∂R/∂A.
        var g = new double[ArchitectureCount];
        var offset = 0;
        foreach (var input in _arch)
            for (var e = 0; e < input.Edges; e++, offset += input.Ops)
            {
                double dot = 0;
                for (var o = 0; o < input.Ops; o++) dot += a[offset + o] * dS[offset + o] * factor;
                for (var o = 0; o < input.Ops; o++)
                    g[offset + o] = a[offset + o] / _options.Tau * (dS[offset + o] * factor - dot);
            }
        var norm = Math.Sqrt(g.Sum(v => v * v));
        return new NasiSample(step, center.Score, objective, nu, center.Loss, g, norm);
    }

    /// <summary>S at mixing weights A (flat, row-major over the architecture inputs).</summary>
    public double ScoreAt(double[] mixing, Batch batch) => Evaluate(Mix(mixing), batch).Score;

    /// <summary>What the supernet's architecture inputs receive for mixing weights A.</summary>
    private double[] Mix(double[] a) => _options.SqrtMixing ? a.Select(Math.Sqrt).ToArray() : a;

    /// <summary>A = softmax((α + g)/τ) per edge row.</summary>
    public double[] Softmax(double[] alpha, double[] gumbel)
    {
        var a = new double[ArchitectureCount];
        var offset = 0;
        foreach (var input in _arch)
            for (var e = 0; e < input.Edges; e++, offset += input.Ops)
            {
                var max = double.NegativeInfinity;
                for (var o = 0; o < input.Ops; o++) max = Math.Max(max, (alpha[offset + o] + gumbel[offset + o]) / _options.Tau);
                double sum = 0;
                for (var o = 0; o < input.Ops; o++) sum += a[offset + o] = Math.Exp((alpha[offset + o] + gumbel[offset + o]) / _options.Tau - max);
                for (var o = 0; o < input.Ops; o++) a[offset + o] /= sum;
            }
        return a;
    }

    /// <summary>Standard Gumbel noise for step t, from its own seeded stream.</summary>
    public double[] Gumbel(int step) => ScoreFunctionSearch.Gumbel(_options.Seed, step, ArchitectureCount);

    private readonly record struct Evaluation(double Score, double Loss, float[][] ThetaGradient);

    /// <summary>∂S/∂A = [∇_A L(θ + εg) − ∇_A L(θ − εg)] / ε with ‖εg‖ = RelativeStep·‖θ‖; θ restored exactly.</summary>
    private double[] ScoreGradientAt(float[][] g, double[] mixing, Batch batch)
    {
        var gNorm = Math.Sqrt(g.Where((_, i) => _scored[i]).Sum(t => Metrics.NasiScorer.SumOfSquares(t)));
        if (gNorm == 0) return new double[ArchitectureCount];
        var eps = _options.RelativeStep * _thetaNorm / gNorm;
        try
        {
            Perturb(g, eps);
            var plus = ArchGradientAt(mixing, batch);
            Restore();
            Perturb(g, -eps);
            var minus = ArchGradientAt(mixing, batch);
            return plus.Select((p, i) => (p - minus[i]) / eps).ToArray();
        }
        finally
        {
            Restore();
        }
    }

    private void Perturb(float[][] direction, double eps)
    {
        for (var i = 0; i < _theta.Length; i++)
        {
            if (!_scored[i]) continue;
            var t = _theta[i];
            var d = direction[i];
            for (var j = 0; j < t.Length; j++) t[j] = (float)(_thetaSaved[i][j] + eps * d[j]);
        }
    }

    private void Restore()
    {
        for (var i = 0; i < _theta.Length; i++) _thetaSaved[i].CopyTo(_theta[i], 0);
    }

    private Evaluation Evaluate(double[] mixing, Batch batch)
    {
        using var results = Run(_session, _outputs, mixing, batch);
        var loss = results[0].GetTensorDataAsSpan<float>()[0];
        var thetaGradient = new float[_parameterTensors][];
        double score = 0;
        for (var i = 0; i < _parameterTensors; i++)
        {
            thetaGradient[i] = results[1 + i].GetTensorDataAsSpan<float>().ToArray();
            if (_scored[i]) score += Metrics.NasiScorer.SumOfSquares(thetaGradient[i]);
        }
        return new Evaluation(score, loss, thetaGradient);
    }

    /// <summary>∇_A L alone, from the session without weight gradients.</summary>
    private double[] ArchGradientAt(double[] mixing, Batch batch)
    {
        using var results = Run(_archSession, _archOutputs, mixing, batch);
        var arch = new double[ArchitectureCount];
        var k = 0;
        for (var i = 0; i < _arch.Count; i++)
            foreach (var v in results[i].GetTensorDataAsSpan<float>()) arch[k++] = v;
        return arch;
    }

    private IDisposableReadOnlyCollection<OrtValue> Run(Session session, string[] outputs, double[] mixing, Batch batch)
    {
        if (!batch.Inputs.Shape.SequenceEqual(InputShape))
            throw new NasiException($"the search runs on batches of [{string.Join(",", InputShape)}], got [{string.Join(",", batch.Inputs.Shape)}]");
        var offset = 0;
        for (var i = 0; i < _arch.Count; i++)
            for (var k = 0; k < _archValues[i].Length; k++) _archValues[i][k] = (float)mixing[offset++];
        using var data = OrtValue.CreateTensorValueFromMemory(batch.Inputs.Data, batch.Inputs.Shape);
        using var labels = OrtValue.CreateTensorValueFromMemory(batch.Labels, [batch.Labels.LongLength]);
        return session.Run([.. _pinnedNames, _dataInput, _labelsInput], [.. _pinned, data, labels], outputs);
    }

    /// <summary>The q-quantile of the values, linear between order statistics.</summary>
    private static double Quantile(List<double> values, double q)
    {
        var sorted = values.Order().ToList();
        var position = q * (sorted.Count - 1);
        var below = (int)Math.Floor(position);
        var above = Math.Min(below + 1, sorted.Count - 1);
        return sorted[below] + (position - below) * (sorted[above] - sorted[below]);
    }

    public void Dispose()
    {
        foreach (var v in _pinned) v.Dispose();
        _session.Dispose();
        _archSession.Dispose();
    }
}
