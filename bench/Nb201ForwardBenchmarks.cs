using BenchmarkDotNet.Attributes;
using Microsoft.ML.OnnxRuntime;
using NasiOnnx.Engine.Graphs;
using NasiOnnx.Engine.Init;
using NasiOnnx.Engine.Runtime;
using NasiOnnx.Models.Nb201;
using Onnx;

namespace NasiOnnx.Bench;

/// <summary>
/// The CIFAR-10 NAS-Bench-201 network (C = 16, N = 5, batch-statistics BN): building the ONNX model, creating its
/// session, and one forward pass at batch 64, 32×32, for the heaviest cell, the default cell and the lightest.
/// </summary>
[MemoryDiagnoser]
public class Nb201ForwardBenchmarks
{
    private const int BatchSize = 64;

    private static readonly Dictionary<string, Nb201Cell> Cells = new()
    {
        ["all-conv3x3"] = Nb201Cell.Uniform(Nb201Op.NorConv3x3),
        ["default"] = Nb201Cell.Default,
        ["all-skip"] = Nb201Cell.Uniform(Nb201Op.SkipConnect),
    };

    private static readonly RuntimeOptions Cpu = new() { Provider = ExecutionProvider.Cpu };

    private Nb201Cell _cell = Nb201Cell.Default;
    private byte[] _modelBytes = [];
    private Session? _session;
    private OrtValue? _input;
    private float[] _inputData = [];

    [Params("all-conv3x3", "default", "all-skip")]
    public string Cell { get; set; } = "default";

    [GlobalSetup]
    public void Setup()
    {
        _cell = Cells[Cell];
        _modelBytes = ModelFile.ToBytes(Nb201Network.Build(_cell, new Nb201NetworkOptions()));
        _session = SessionFactory.Create(_modelBytes, Cpu, Cell);
        _inputData = new float[BatchSize * 3 * 32 * 32];
        new Rng(0).FillGaussian(_inputData);
        _input = OrtValue.CreateTensorValueFromMemory(_inputData, [BatchSize, 3, 32, 32]);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _input?.Dispose();
        _session?.Dispose();
    }

    [Benchmark]
    public ModelProto Build() => Nb201Network.Build(_cell, new Nb201NetworkOptions());

    [Benchmark]
    public void CreateSession()
    {
        using var session = SessionFactory.Create(_modelBytes, Cpu, Cell);
    }

    [Benchmark]
    public float Forward()
    {
        using var outputs = _session!.Run([Nb201Network.InputName], [_input!], [Nb201Network.OutputName]);
        return outputs[0].GetTensorDataAsSpan<float>()[0];
    }
}
