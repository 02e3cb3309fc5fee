using BenchmarkDotNet.Attributes;
using Onnx;
using NasiOnnx.Engine.Graphs;
using NasiOnnx.Engine.Init;
using NasiOnnx.Engine.Ntk;
using NasiOnnx.Engine.Runtime;

namespace NasiOnnx.Bench;

/// <summary>
/// NTK probes on the model of <see cref="NtkBenchModel"/> (batch 64 by default). Times are per probe
/// (two forward passes), so probes/s = 1 / mean. <c>Sessions</c> is workers × intra-op threads.
/// <see cref="RebuildSessionsProbe"/> is the alternative the pinned-input design replaces: θ ± h v written
/// into the initializers and a fresh session built for each of the two passes.
/// Measured (2 shared cores, batch 64, 981,802-parameter conv net): see engine/Ntk/NOTES.md.
/// </summary>
[SimpleJob(launchCount: 1, warmupCount: 1, iterationCount: 5, invocationCount: 1)]
public class NtkBenchmarks
{
    private const int ProbesPerInvoke = 4;

    private ModelProto _model = null!;
    private Tensor _inputs = null!;
    private NtkEstimator _estimator = null!;
    private NtkEstimator _forward = null!;

    [Params("2x1", "1x2", "1x1")]
    public string Sessions { get; set; } = "2x1";

    [GlobalSetup]
    public void Setup()
    {
        (_model, _inputs) = NtkBenchModel.Load();
        var parts = Sessions.Split('x').Select(int.Parse).ToArray();
        var options = new NtkOptions
        {
            Probes = ProbesPerInvoke, Workers = parts[0], ThreadsPerWorker = parts[1], Provider = ExecutionProvider.Cpu,
        };
        _estimator = NtkEstimator.Create(_model, _inputs, options);
        _forward = NtkEstimator.Create(_model, _inputs, options with { Scheme = DifferenceScheme.Forward });
        Console.WriteLine($"// {_model.Graph.Name}: {_estimator.Parameters} parameters, batch {_estimator.BatchSize}, {_estimator.Outputs} outputs");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _estimator.Dispose();
        _forward.Dispose();
    }

    /// <summary>Central differences: two forward passes per probe.</summary>
    [Benchmark(OperationsPerInvoke = ProbesPerInvoke)]
    public double PinnedInputsProbe() => _estimator.Trace().Trace;

    /// <summary>Forward differences: one forward pass per probe.</summary>
    [Benchmark(OperationsPerInvoke = ProbesPerInvoke)]
    public double PinnedInputsForwardProbe() => _forward.Trace().Trace;

    /// <summary>
    /// The same probes the slow way, on the same sessions × threads: per probe, two fresh sessions with θ ± h v
    /// as initializers (serialize, build, run). Two probes per invoke, spread over the workers.
    /// </summary>
    [Benchmark(OperationsPerInvoke = 2)]
    public double RebuildSessionsProbe()
    {
        var parts = Sessions.Split('x').Select(int.Parse).ToArray();
        var runtime = new RuntimeOptions { Provider = ExecutionProvider.Cpu, IntraOpThreads = parts[1], InterOpThreads = 1 };
        var results = new double[2];
        Parallel.For(0, 2, new ParallelOptions { MaxDegreeOfParallelism = parts[0] }, k => results[k] = RebuiltProbe(k, runtime));
        return results.Sum();
    }

    private double RebuiltProbe(int probe, RuntimeOptions runtime)
    {
        var theta = ParameterSet.Of(_model).Tensors.Select(TensorData.ReadFloats).ToArray();
        var rng = Rng.For(0, $"probe{probe}");
        var v = theta.Select(t => t.Select(_ => rng.NextSign()).ToArray()).ToArray();
        var h = FiniteDifferenceJvp.DefaultStep / Math.Sqrt(v.Sum(a => a.Length));
        float[] Run(double sign)
        {
            var model = _model.Clone();
            var tensors = ParameterSet.Of(model).Tensors;
            for (var i = 0; i < tensors.Count; i++)
                TensorData.WriteFloats(tensors[i], theta[i].Select((t, j) => (float)(t + sign * h * v[i][j])).ToArray());
            using var session = SessionFactory.Create(model, runtime);
            return session.Run(new Dictionary<string, Tensor> { [session.InputNames[0]] = _inputs }, null, session.OutputNames)[0].Data;
        }
        var plus = Run(1);
        var minus = Run(-1);
        double sum = 0;
        for (var i = 0; i < plus.Length; i++) sum += Math.Pow((plus[i] - minus[i]) / (2 * h), 2);
        return sum;
    }
}
