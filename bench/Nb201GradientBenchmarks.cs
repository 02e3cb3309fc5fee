using BenchmarkDotNet.Attributes;
using NasiOnnx.Engine.Autodiff;
using NasiOnnx.Engine.Data;
using NasiOnnx.Engine.Metrics;
using NasiOnnx.Engine.Runtime;
using NasiOnnx.Models.Nb201;
using Onnx;

namespace NasiOnnx.Bench;

/// <summary>
/// The NASI score's cost per NAS-Bench-201 cell (C = 16, N = 5, batch 64, 32×32): the forward pass alone and
/// forward + backward through the gradient graph, on the same cells as <see cref="Nb201ForwardBenchmarks"/>.
/// The ratio of the two is the autodiff overhead the issue asks about (a mature autograd reaches about 3×).
/// </summary>
public class Nb201GradientBenchmarks
{
    private RuntimeOptions Runtime => new() { Provider = ExecutionProvider.Cpu, IntraOpThreads = 2, AllowSpinning = Spinning, GradientKernels = Ops };

    private NasiScorer? _scorer;
    private Session? _forward;
    private Batch? _batch;

    /// <summary>Idle intra-op threads spin (ORT's default) or sleep between ops (the engine's default).</summary>
    [Params(false, true)]
    public bool Spinning { get; set; }

    [Params("all-conv3x3", "default", "all-skip")]
    public string Cell { get; set; } = "default";

    /// <summary>The fused C# gradient kernels (the default on CPU) or standard ONNX ops only (the reference).</summary>
    [Params(GradientKernelMode.Fused, GradientKernelMode.Standard)]
    public GradientKernelMode Ops { get; set; } = GradientKernelMode.Fused;

    public static Nb201Cell Named(string name) => name switch
    {
        "all-conv3x3" => Nb201Cell.Uniform(Nb201Op.NorConv3x3),
        "all-skip" => Nb201Cell.Uniform(Nb201Op.SkipConnect),
        _ => Nb201Cell.Default,
    };

    [GlobalSetup]
    public void Setup()
    {
        ModelProto model = Nb201Network.Build(Named(Cell), new Nb201NetworkOptions());
        _batch = new GaussianSource([3, 32, 32], 10, 0).Draw(64);
        _scorer = NasiScorer.Create(model, _batch.Inputs.Shape, Runtime);
        _forward = SessionFactory.Create(model, Runtime);
        _scorer.Score(_batch); // the first run allocates ORT's arenas: not what a search pays per step
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _scorer?.Dispose();
        _forward?.Dispose();
    }

    [Benchmark(Baseline = true)]
    public float Forward() =>
        _forward!.Run(new Dictionary<string, NasiOnnx.Engine.Graphs.Tensor> { [Nb201Network.InputName] = _batch!.Inputs }, null, [Nb201Network.OutputName])[0].Data[0];

    [Benchmark]
    public double ForwardBackward() => _scorer!.Score(_batch!).Score;
}
