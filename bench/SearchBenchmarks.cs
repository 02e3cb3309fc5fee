using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using NasiOnnx.Engine.Data;
using NasiOnnx.Engine.Runtime;
using NasiOnnx.Engine.Search;
using NasiOnnx.Models.Spaces;

namespace NasiOnnx.Bench;

/// <summary>
/// One NASI sample G_t (three forward+backward passes of the supernet at batch 64: at θ and at θ ± εg) for each
/// search space at its default search size. A whole search costs T of these plus building the gradient graph
/// (reported by <c>nasi search</c>). Few iterations: one DARTS sample takes tens of seconds on 2 cores.
/// </summary>
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 1, iterationCount: 3)]
public class SearchBenchmarks
{
    private NasiSearch? _search;
    private Batch? _batch;
    private double[] _alpha = [];

    [Params("nb201", "darts")]
    public string Space { get; set; } = "nb201";

    [GlobalSetup]
    public void Setup()
    {
        SearchSpace space = Space == "darts" ? new DartsSearchSpace() : new Nb201SearchSpace();
        var options = new NasiSearchOptions { Runtime = new RuntimeOptions { Provider = ExecutionProvider.Cpu } };
        _search = NasiSearch.Create(space.BuildSupernet(0), space.ArchitectureInputs, options);
        _batch = new GaussianSource([3, 32, 32], 10, 0).Draw(options.BatchSize);
        _alpha = new double[_search.ArchitectureCount];
    }

    [GlobalCleanup]
    public void Cleanup() => _search?.Dispose();

    [Benchmark]
    public double OneSample() => _search!.SampleAt(0, _alpha, _search.Gumbel(0), _batch!, nu: double.MaxValue).GradientNorm;
}
