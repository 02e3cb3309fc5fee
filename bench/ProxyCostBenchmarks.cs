using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Engines;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using NasiOnnx.Engine.Graphs;
using NasiOnnx.Engine.Ranking;
using NasiOnnx.Engine.Runtime;
using NasiOnnx.Engine.Scoring;
using NasiOnnx.Models.Nb201;
using Onnx;

namespace NasiOnnx.Bench;

/// <summary>
/// What <c>--metric all</c> costs against one NASI score, per NAS-Bench-201 cell (C = 16, N = 5, batch 64, one
/// intra-op thread, as each <c>nasi rank</c> worker runs): the whole score of a model, build and runs included, as
/// <see cref="ModelScorer"/> does it. The budget is All ≤ 3 × Nasi.
/// </summary>
[Config(typeof(InProcessMonitoring))]
public class ProxyCostBenchmarks
{
    /// <summary>Whole scores of several seconds: a few monitored iterations, run in process (no generated project to
    /// build, whose two-minute build timeout a loaded 2-core machine overruns) with room for minutes per iteration.</summary>
    private sealed class InProcessMonitoring : ManualConfig
    {
        public InProcessMonitoring() => AddJob(Job.Default.WithStrategy(RunStrategy.Monitoring).WithLaunchCount(1)
            .WithWarmupCount(1).WithIterationCount(5).WithToolchain(new InProcessEmitToolchain(TimeSpan.FromHours(3), logOutput: true)));
    }

    private ModelProto? _model;

    [Params("default", "all-conv3x3")]
    public string Cell { get; set; } = "default";

    [GlobalSetup]
    public void Setup() => _model = Nb201Network.Build(Nb201GradientBenchmarks.Named(Cell), new Nb201NetworkOptions());

    [Benchmark(Baseline = true)]
    public double Nasi() => Score([Metric.Nasi]).Metric("nasi");

    [Benchmark]
    public double All() => Score(Metric.ParseList("all")).Metric("nasi");

    private ScoreRow Score(IReadOnlyList<Metric> metrics)
    {
        using var scorer = new ModelScorer(Options(metrics));
        return scorer.Score(new Candidate(Cell, () => _model!), CancellationToken.None);
    }

    private static ScoringOptions Options(IReadOnlyList<Metric> metrics) => new()
    {
        Metrics = metrics,
        Runtime = new RuntimeOptions { Provider = ExecutionProvider.Cpu, IntraOpThreads = 1 },
    };

    /// <summary>
    /// <c>-- --proxy-cost CELL</c>: one NASI score, then <c>all</c>, with the seconds of each pass and of each metric
    /// (a shared pass's lazy runs are charged to the first metric that asks). A stopwatch, not BenchmarkDotNet: for
    /// reading where the time goes, not for quoting.
    /// </summary>
    public static void Breakdown(string cell)
    {
        var model = Nb201Network.Build(Nb201GradientBenchmarks.Named(cell), new Nb201NetworkOptions());
        var nasi = Time([Metric.Nasi], model, out _, out _);
        Console.WriteLine($"nasi alone: {nasi:F2} s");
        var all = Time(Metric.ParseList("all"), model, out var passes, out var metrics);
        Console.WriteLine($"all: {all:F2} s = {all / nasi:F2} × nasi");
        Console.WriteLine("passes:  " + string.Join(", ", passes.Select(kv => $"{kv.Key} {kv.Value:F2}")));
        Console.WriteLine("metrics: " + string.Join(", ", metrics.Where(kv => kv.Value >= 0.01).Select(kv => $"{kv.Key} {kv.Value:F2}")));
    }

    private static double Time(IReadOnlyList<Metric> metrics, ModelProto model,
        out IReadOnlyDictionary<ScoringPass, double> passes, out IReadOnlyDictionary<string, double> metricSeconds)
    {
        var scorer = new ModelScorer(Options(metrics));
        var clock = Stopwatch.StartNew();
        var plan = scorer.Plan(model, "bench");
        using var run = MetricRun.Run(new PassInputs(plan, scorer.Options, CancellationToken.None), scorer.Options.Metrics);
        passes = run.Passes.Seconds.ToDictionary();
        metricSeconds = run.MetricSeconds.ToDictionary();
        return clock.Elapsed.TotalSeconds;
    }
}
