using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using NasiOnnx.Engine.Autodiff;
using NasiOnnx.Engine.Data;
using NasiOnnx.Engine.Graphs;
using NasiOnnx.Engine.Init;
using NasiOnnx.Engine.Metrics;
using NasiOnnx.Engine.Runtime;
using NasiOnnx.Models.Nb201;
using Onnx;

namespace NasiOnnx.Bench;

/// <summary>
/// Forward alone against forward + backward (the NASI score) on <see cref="ResidualCellNet"/> at batch 64, 32×32:
/// the gradient graph should cost about 3× the forward or less.
/// </summary>
[MemoryDiagnoser]
public class GradientBenchmarks
{
    private const int Batch = 64;
    private Session _forward = null!;
    private NasiScorer _scorer = null!;
    private Batch _batch = null!;

    [Params(2)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var model = ResidualCellNet.Build(Batch);
        var options = new RuntimeOptions { Provider = ExecutionProvider.Cpu, IntraOpThreads = Threads };
        _forward = SessionFactory.Create(model, options);
        _scorer = NasiScorer.Create(model, [Batch, 3, 32, 32], options);
        _batch = RandomBatch(Batch);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _forward.Dispose();
        _scorer.Dispose();
    }

    [Benchmark(Baseline = true)]
    public float Forward() => _forward.Run(new Dictionary<string, Tensor> { ["input"] = _batch.Inputs }, null, ["logits"])[0].Data[0];

    [Benchmark]
    public double ForwardBackward() => _scorer.Score(_batch).Score;

    /// <summary>
    /// `bench --quick [threads] [profile-dir] [nb201-cell]`: a stopwatch run without BenchmarkDotNet's process spawning, printing
    /// build time, median forward and forward+backward times, and optionally ONNX Runtime profiles of both.
    /// </summary>
    public static void Quick(int threads, string? profileDirectory, string? cell = null)
    {
        var clock = Stopwatch.StartNew();
        // Same input and output names either way ("input", "logits").
        var model = cell is null
            ? ResidualCellNet.Build(Batch)
            : Nb201Network.Build(Nb201GradientBenchmarks.Named(cell), new Nb201NetworkOptions());
        Console.WriteLine($"network: {ParameterSet.Of(model).Count:N0} parameters, {model.Graph.Node.Count} nodes, built in {clock.ElapsedMilliseconds} ms");
        var options = new RuntimeOptions { Provider = ExecutionProvider.Cpu, IntraOpThreads = threads };
        clock.Restart();
        var shapes = StaticShapes.Probe(model, new Dictionary<string, long[]> { ["input"] = [Batch, 3, 32, 32] });
        var probeMs = clock.ElapsedMilliseconds;
        ProbeBreakdown(model, options);
        clock.Restart();
        StaticShapes.ProbeScaled(model, new Dictionary<string, long[]> { ["input"] = [Batch, 3, 32, 32] }, ["input"]);
        Console.WriteLine($"scaled probe (batches 1, 2, 3): {clock.ElapsedMilliseconds} ms");
        clock.Restart();
        var gradient = LossGradient.Build(model, [Batch, 3, 32, 32]);
        Console.WriteLine($"gradient model: {gradient.Model.Graph.Node.Count} nodes; shape probe alone {probeMs} ms, whole transform (probe included) {clock.ElapsedMilliseconds} ms");
        clock.Restart();
        using (SessionFactory.Create(gradient.Model, options))
            Console.WriteLine($"gradient session creation: {clock.ElapsedMilliseconds} ms");
        var batch = RandomBatch(Batch);

        using var forward = SessionFactory.Create(model, options);
        using var scorer = NasiScorer.Create(model, [Batch, 3, 32, 32], options);
        Console.WriteLine($"scorer build (transform + session): {scorer.BuildSeconds * 1000:F0} ms");
        var feeds = new Dictionary<string, Tensor> { ["input"] = batch.Inputs };
        // Interleaved, so that load from other processes drifts over both alike; the ratio is a median of pairs.
        NasiScore last = null!;
        forward.Run(feeds, null, ["logits"]);
        var firstClock = Stopwatch.StartNew();
        last = scorer.Score(batch);
        Console.WriteLine($"first scoring run (allocates and plans memory): {firstClock.ElapsedMilliseconds} ms");
        var forwardTimes = new List<double>();
        var scoreTimes = new List<double>();
        for (var i = 0; i < 9; i++)
        {
            var clock2 = Stopwatch.StartNew();
            forward.Run(feeds, null, ["logits"]);
            forwardTimes.Add(clock2.Elapsed.TotalMilliseconds);
            clock2.Restart();
            last = scorer.Score(batch);
            scoreTimes.Add(clock2.Elapsed.TotalMilliseconds);
        }
        var ratios = forwardTimes.Zip(scoreTimes, (a, b) => b / a).ToList();
        Console.WriteLine($"threads {threads}: forward {Median(forwardTimes):F1} ms, forward+backward {Median(scoreTimes):F1} ms, " +
                          $"ratio {Median(ratios):F2} (median of 9 interleaved pairs; min {ratios.Min():F2}); S = {last.Score:G6}, loss {last.Loss:F4}");

        if (profileDirectory is null) return;
        Directory.CreateDirectory(profileDirectory);
        Profile(model, Path.Combine(profileDirectory, "forward"), threads, feeds, null, ["logits"]);
        Profile(gradient.Model, Path.Combine(profileDirectory, "gradient"), threads, feeds,
            new Dictionary<string, long[]> { ["labels"] = batch.Labels }, [gradient.Loss!, .. gradient.Gradients.Values]);
    }

    /// <summary>What a full-batch shape probe would cost: a run returning every activation (first-touch allocation of
    /// hundreds of MB dominates), which <see cref="StaticShapes.ProbeScaled"/> avoids.</summary>
    private static void ProbeBreakdown(ModelProto model, RuntimeOptions options)
    {
        var probe = model.Clone();
        foreach (var node in probe.Graph.Node)
            foreach (var o in node.Output)
                if (o.Length > 0 && probe.Graph.Output.All(v => v.Name != o)) probe.Graph.Output.Add(new ValueInfoProto { Name = o });
        probe.Graph.Input[0].Type.TensorType.Shape.Dim[0] = new TensorShapeProto.Types.Dimension { DimParam = "batch" };
        foreach (var output in probe.Graph.Output) if (output.Type?.TensorType is { } t) t.Shape = null;
        var clock = Stopwatch.StartNew();
        using var session = SessionFactory.Create(probe, options);
        var created = clock.ElapsedMilliseconds;
        clock.Restart();
        var outputs = session.Run(new Dictionary<string, Tensor> { ["input"] = Tensor.Zeros(Batch, 3, 32, 32) }, null, session.OutputNames.ToList());
        Console.WriteLine($"probe: session {created} ms, run with {outputs.Length} outputs ({outputs.Sum(o => o.Length) * 4 / 1e6:F0} MB) {clock.ElapsedMilliseconds} ms");

    }

    private static void Profile(ModelProto model, string prefix, int threads, Dictionary<string, Tensor> feeds,
        Dictionary<string, long[]>? ints, List<string> outputs)
    {
        using var options = new Microsoft.ML.OnnxRuntime.SessionOptions { IntraOpNumThreads = threads, ProfileOutputPathPrefix = prefix };
        options.EnableProfiling = true;
        using var session = new Microsoft.ML.OnnxRuntime.InferenceSession(ModelFile.ToBytes(model), options);
        var names = new List<string>();
        var values = new List<Microsoft.ML.OnnxRuntime.OrtValue>();
        foreach (var (name, t) in feeds) { names.Add(name); values.Add(Microsoft.ML.OnnxRuntime.OrtValue.CreateTensorValueFromMemory(t.Data, t.Shape)); }
        if (ints is not null)
            foreach (var (name, v) in ints) { names.Add(name); values.Add(Microsoft.ML.OnnxRuntime.OrtValue.CreateTensorValueFromMemory(v, [v.LongLength])); }
        using var runOptions = new Microsoft.ML.OnnxRuntime.RunOptions();
        for (var i = 0; i < 8; i++) using (session.Run(runOptions, names, values, outputs)) { }
        Console.WriteLine($"profile: {session.EndProfiling()}");
        foreach (var v in values) v.Dispose();
    }

    private static double Median(List<double> values)
    {
        var sorted = values.OrderBy(v => v).ToList();
        return sorted[sorted.Count / 2];
    }

    private static Batch RandomBatch(int size)
    {
        var rng = new Rng(99);
        var inputs = Tensor.Zeros(size, 3, 32, 32);
        rng.FillGaussian(inputs.Data);
        return new Batch(inputs, Enumerable.Range(0, size).Select(_ => (long)rng.NextInt(10)).ToArray());
    }
}
