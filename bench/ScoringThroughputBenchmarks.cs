using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using NasiOnnx.Engine.Autodiff;
using NasiOnnx.Engine.Graphs;
using NasiOnnx.Engine.Init;
using NasiOnnx.Engine.Ranking;
using NasiOnnx.Engine.Runtime;
using NasiOnnx.Engine.Scoring;
using NasiOnnx.Models.Api;
using NasiOnnx.Models.Nb201;

namespace NasiOnnx.Bench;

/// <summary>
/// Batch scoring as <c>nasi score FOLDER</c> runs it: a folder of NAS-Bench-201 exports (C = 16, N = 5) scored with
/// the NASI metric at batch 64 by one or two workers of one thread each, with and without the shared CPU arena. Models per minute = 60 · Models / mean seconds.
/// </summary>
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 0, iterationCount: 3)]
public class ScoringThroughputBenchmarks
{
    public const int Models = 8;
    private string _folder = "";
    private List<ModelSource> _sources = [];

    [Params(1, 2)]
    public int Workers { get; set; } = 2;

    /// <summary>Sessions draw from one process-wide arena (the default), or each from its own.</summary>
    [Params(true, false)]
    public bool SharedArena { get; set; } = true;

    /// <summary>The fused C# gradient kernels (the default) or standard ONNX ops only.</summary>
    [Params(GradientKernelMode.Fused, GradientKernelMode.Standard)]
    public GradientKernelMode Ops { get; set; } = GradientKernelMode.Fused;

    [GlobalSetup]
    public void Setup()
    {
        _folder = Directory.CreateTempSubdirectory("nasi-bench-models").FullName;
        var rng = new Rng(7);
        var all = Nb201Cell.All().ToArray();
        for (var i = 0; i < Models; i++)
            ModelFile.Save(Nb201Network.Build(all[rng.NextInt(all.Length)], new Nb201NetworkOptions { Seed = (ulong)i }), Path.Combine(_folder, $"m{i}.onnx"));
        _sources = Directory.GetFiles(_folder, "*.onnx").Order().Select(ModelSource.File).ToList();
    }

    [GlobalCleanup]
    public void Cleanup() => Directory.Delete(_folder, true);

    [Benchmark]
    public int ScoreFolder() =>
        Nasi.RankAsync(_sources, new ScoringOptions { Runtime = new RuntimeOptions { SharedCpuArena = SharedArena, GradientKernels = Ops } }, new RankingOptions { Workers = Workers }).GetAwaiter().GetResult().Count(r => r.IsOk);
}
