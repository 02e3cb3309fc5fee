using NasiOnnx.Engine.Data;
using NasiOnnx.Engine.Metrics;
using NasiOnnx.Engine.Runtime;
using NasiOnnx.Models.Nb201;

namespace NasiOnnx.Bench;

/// <summary>
/// <c>--peak-memory CELL</c>: the process's peak resident memory (VmHWM) after building and running the NASI score
/// of one NB201 network at batch 64. ONNX Runtime's arenas are native memory, which BenchmarkDotNet's memory
/// diagnoser does not see; one process per cell keeps the peaks apart.
/// </summary>
public static class PeakMemory
{
    public static void Run(string cell)
    {
        var model = Nb201Network.Build(Nb201GradientBenchmarks.Named(cell), new Nb201NetworkOptions());
        var batch = new GaussianSource([3, 32, 32], 10, 0).Draw(64);
        using var scorer = NasiScorer.Create(model, batch.Inputs.Shape, new RuntimeOptions { Provider = ExecutionProvider.Cpu });
        for (var i = 0; i < 3; i++) scorer.Score(batch);
        var peak = File.ReadLines("/proc/self/status").First(l => l.StartsWith("VmHWM:"));
        Console.WriteLine($"{cell}: peak resident memory {peak["VmHWM:".Length..].Trim()}");
    }
}
