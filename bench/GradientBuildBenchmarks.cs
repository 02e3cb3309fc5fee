using BenchmarkDotNet.Attributes;
using NasiOnnx.Engine.Autodiff;
using NasiOnnx.Engine.Runtime;
using NasiOnnx.Engine.Scoring;
using NasiOnnx.Models.Nb201;
using Onnx;

namespace NasiOnnx.Bench;

/// <summary>
/// The per-model overhead of a NASI score on a NAS-Bench-201 cell (C = 16, N = 5, batch 64), phase by phase: static
/// shapes by rule against the ONNX Runtime probe they replaced, the shape check before the first run by rule against
/// ONNX Runtime's inference, the whole gradient-graph build as the scorer makes it, and the ONNX Runtime session for
/// that graph, with the fused kernels and with standard ops.
/// </summary>
[MemoryDiagnoser]
public class GradientBuildBenchmarks
{
    private static readonly long[] InputShape = [64, 3, 32, 32];
    private ModelProto _forward = null!;
    private GradientModel _gradient = null!;

    [Params("all-conv3x3", "default", "all-skip")]
    public string Cell { get; set; } = "default";

    [Params(GradientKernelMode.Fused, GradientKernelMode.Standard)]
    public GradientKernelMode Ops { get; set; } = GradientKernelMode.Fused;

    private GradientOptions Options => new() { Kernels = Ops, ConstantWeights = true };

    private RuntimeOptions Runtime => new() { Provider = ExecutionProvider.Cpu, IntraOpThreads = 1, GradientKernels = Ops };

    [GlobalSetup]
    public void Setup()
    {
        _forward = Nb201Network.Build(Nb201GradientBenchmarks.Named(Cell), new Nb201NetworkOptions());
        _gradient = LossGradient.Build(_forward, InputShape, options: Options);
    }

    /// <summary>Static shapes of the forward network by ONNX's shape rules.</summary>
    [Benchmark]
    public int ShapesInferred() => StaticShapes.TryInfer(_forward, new Dictionary<string, long[]> { [Nb201Network.InputName] = InputShape }, out _)!.InputShapes.Count;

    /// <summary>The same by the ONNX Runtime probe at batches 1, 2 and 3 (the fallback, and the old way).</summary>
    [Benchmark]
    public int ShapesProbed() => StaticShapes.ProbeScaled(_forward, new Dictionary<string, long[]> { [Nb201Network.InputName] = InputShape }, [Nb201Network.InputName]).InputShapes.Count;

    /// <summary>The check before a model's first run (<see cref="InferredShapes"/>), by the same rules.</summary>
    [Benchmark]
    public int CheckShapesByRule() => InferredShapes.ByRule(_forward, new Dictionary<string, long[]> { [Nb201Network.InputName] = [1, 3, 32, 32] })!.Shapes.Count;

    /// <summary>The same check by ONNX Runtime's shape inference in a session that never runs (the fallback, and the old way).</summary>
    [Benchmark]
    public int CheckShapesByOnnxRuntime() => InferredShapes.ByOnnxRuntime(_forward, new Dictionary<string, long[]> { [Nb201Network.InputName] = [1, 3, 32, 32] }).Shapes.Count;

    /// <summary>The gradient graph as NasiScorer builds it (shapes included).</summary>
    [Benchmark]
    public int GradientGraph() => LossGradient.Build(_forward, InputShape, options: Options).Model.Graph.Node.Count;

    /// <summary>The ONNX Runtime session for that graph (one intra-op thread, as a ranking worker has).</summary>
    [Benchmark]
    public int Session()
    {
        using var session = SessionFactory.Create(_gradient.Model, Runtime);
        return session.OutputNames.Count;
    }
}
