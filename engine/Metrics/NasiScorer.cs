using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using NasiOnnx.Engine.Autodiff;
using NasiOnnx.Engine.Data;
using NasiOnnx.Engine.Graphs;
using NasiOnnx.Engine.Runtime;
using Onnx;

namespace NasiOnnx.Engine.Metrics;

/// <summary>
/// Scores one architecture by NASI's S = ‖∇θ mean CE‖² (see docs/NASI.md). Builds the loss-gradient model and its
/// session once, then scores any number of batches of the shape it was built for. Owns the session: dispose it.
/// Not safe to use from two threads at once.
/// </summary>
public sealed class NasiScorer : IDisposable
{
    private readonly Session _session;
    private readonly string _input;
    private readonly string[] _outputs;

    private NasiScorer(Session session, GradientModel model, string input, long[] inputShape, long parameters, double buildSeconds)
    {
        _session = session;
        GradientModel = model;
        _input = input;
        InputShape = inputShape;
        Parameters = parameters;
        BuildSeconds = buildSeconds;
        _outputs = [model.Loss!, .. model.Gradients.Values];
    }

    /// <summary>The loss-gradient model the scorer runs.</summary>
    public GradientModel GradientModel { get; }

    /// <summary>The batch shape the scorer is specialised to (b, C, H, W).</summary>
    public long[] InputShape { get; }

    public long Parameters { get; }

    public double BuildSeconds { get; }

    public string Provider => _session.Provider;

    /// <param name="forward">The network: its first non-initializer input takes the images, its first output is
    /// the logits [b, classes]. Not modified.</param>
    /// <param name="inputShape">The shape of every batch this scorer will see.</param>
    /// <param name="options">Provider and threads for the scoring session.</param>
    public static NasiScorer Create(ModelProto forward, long[] inputShape, RuntimeOptions options)
    {
        var clock = Stopwatch.StartNew();
        var model = LossGradient.Build(forward, inputShape,
            options: new GradientOptions { Kernels = SessionFactory.GradientKernels(options), ConstantWeights = true });
        var initializers = new HashSet<string>(forward.Graph.Initializer.Select(t => t.Name), StringComparer.Ordinal);
        var input = forward.Graph.Input.First(i => !initializers.Contains(i.Name)).Name;
        var parameters = ParameterSet.Of(forward).Count;
        var session = SessionFactory.Create(model.Model, options);
        return new NasiScorer(session, model, input, (long[])inputShape.Clone(), parameters, clock.Elapsed.TotalSeconds);
    }

    public NasiScore Score(Batch batch)
    {
        if (!batch.Inputs.Shape.SequenceEqual(InputShape))
            throw new ArgumentException($"The scorer was built for inputs [{string.Join(",", InputShape)}], the batch has [{string.Join(",", batch.Inputs.Shape)}].", nameof(batch));
        var clock = Stopwatch.StartNew();
        var results = _session.Run(
            new Dictionary<string, Tensor> { [_input] = batch.Inputs },
            new Dictionary<string, long[]> { [GradientModel.Labels!] = batch.Labels },
            _outputs);
        var runSeconds = clock.Elapsed.TotalSeconds;

        var gradients = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        double score = 0;
        var k = 1;
        foreach (var name in GradientModel.Gradients.Keys)
        {
            gradients[name] = results[k++];
            score += SumOfSquares(gradients[name].Data);
        }
        return new NasiScore(score, Math.Sqrt(score), results[0].Data[0], Parameters, Provider, BuildSeconds, runSeconds, gradients);
    }

    /// <summary>
    /// S of a batch that is a whole number of the scorer's batches (a model with a fixed batch of 1, scored
    /// sample by sample): ∇θ of the batch-mean loss is the mean of the chunks' mean-loss gradients when the chunks
    /// are equal in size and nothing in the network mixes samples across them (BatchNorm with running statistics;
    /// batch statistics would differ). S is the squared norm of that mean, not the mean of the chunks' S.
    /// </summary>
    public NasiScore ScoreInChunks(Batch batch)
    {
        var chunk = (int)InputShape[0];
        if (batch.Inputs.Shape.Length != InputShape.Length || !batch.Inputs.Shape[1..].SequenceEqual(InputShape[1..]) || batch.Size % chunk != 0)
            throw new ArgumentException($"The scorer was built for inputs [{string.Join(",", InputShape)}]; a batch of [{string.Join(",", batch.Inputs.Shape)}] is not a whole number of them.", nameof(batch));
        if (batch.Size == chunk) return Score(batch);
        var clock = Stopwatch.StartNew();
        var sampleSize = (int)Tensor.Count(InputShape[1..]);
        var sums = GradientModel.Gradients.Keys.ToDictionary(n => n, _ => (double[]?)null, StringComparer.Ordinal);
        var shapes = new Dictionary<string, long[]>(StringComparer.Ordinal);
        double loss = 0;
        var chunks = batch.Size / chunk;
        for (var c = 0; c < chunks; c++)
        {
            var inputs = new Tensor(batch.Inputs.Data.AsSpan(c * chunk * sampleSize, chunk * sampleSize).ToArray(), InputShape);
            var results = _session.Run(
                new Dictionary<string, Tensor> { [_input] = inputs },
                new Dictionary<string, long[]> { [GradientModel.Labels!] = batch.Labels[(c * chunk)..((c + 1) * chunk)] },
                _outputs);
            loss += results[0].Data[0];
            var k = 1;
            foreach (var name in GradientModel.Gradients.Keys)
            {
                var g = results[k++];
                var sum = sums[name] ??= new double[g.Data.Length];
                shapes[name] = g.Shape;
                for (var i = 0; i < sum.Length; i++) sum[i] += g.Data[i];
            }
        }
        var gradients = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        double score = 0;
        foreach (var (name, sum) in sums)
        {
            var mean = new float[sum!.Length];
            for (var i = 0; i < sum.Length; i++)
            {
                var m = sum[i] / chunks;
                score += m * m;
                mean[i] = (float)m;
            }
            gradients[name] = new Tensor(mean, shapes[name]);
        }
        return new NasiScore(score, Math.Sqrt(score), loss / chunks, Parameters, Provider, BuildSeconds, clock.Elapsed.TotalSeconds, gradients);
    }

    /// <summary>
    /// Σ x² in double: float32 accumulation over a million terms would lose digits S needs. Each float is widened to a
    /// double lane (exact) and squared into two 4-lane sums. A plain loop rather than TensorPrimitives' convert and
    /// sum: theirs reach the same speed only once tiered up, and a one-score process paid ~40 ms for their first,
    /// tier-0 calls (1.07 M floats, first and second call: 52 and 26 ms, against 8 and 0.4 ms).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static double SumOfSquares(ReadOnlySpan<float> values)
    {
        var (low, high) = (Vector256<double>.Zero, Vector256<double>.Zero);
        var i = 0;
        for (; i + 8 <= values.Length; i += 8)
        {
            var (lo, hi) = Vector256.Widen(Vector256.Create(values.Slice(i, 8)));
            low = Vector256.FusedMultiplyAdd(lo, lo, low);
            high = Vector256.FusedMultiplyAdd(hi, hi, high);
        }
        var total = Vector256.Sum(low + high);
        for (; i < values.Length; i++) total += (double)values[i] * values[i];
        return total;
    }

    /// <summary>Ends ONNX Runtime's profiling (<see cref="RuntimeOptions.ProfilePrefix"/>) and returns its file.</summary>
    public string EndProfiling() => _session.EndProfiling();

    public void Dispose() => _session.Dispose();
}
