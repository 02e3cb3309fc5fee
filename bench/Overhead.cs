using System.Diagnostics;
using NasiOnnx.Engine.Autodiff;
using NasiOnnx.Engine.Data;
using NasiOnnx.Engine.Graphs;
using NasiOnnx.Engine.Metrics;
using NasiOnnx.Engine.Runtime;
using NasiOnnx.Models.Nb201;

namespace NasiOnnx.Bench;

/// <summary>
/// <c>--overhead CELL [THREADS] [ROUNDS]</c>: where one NASI score's time goes, phase by phase, in one process:
/// building the network, the gradient graph (shapes, transform), the session, the first and second runs (with the
/// page faults each takes), warm runs, and the forward pass alone. Each phase prints wall time and this process's
/// CPU time (less disturbed by other load on a shared machine). Rounds after the first show what a scan pays per
/// model once the process is warm.
/// </summary>
public static class Overhead
{
    public static void Run(string cell, int threads, int rounds, bool standard = false)
    {
        var options = new RuntimeOptions
        {
            Provider = ExecutionProvider.Cpu, IntraOpThreads = threads,
            GradientKernels = standard ? GradientKernelMode.Standard : GradientKernelMode.Fused,
        };
        var batch = new GaussianSource([3, 32, 32], 10, 0).Draw(64);
        var process = Process.GetCurrentProcess();
        for (var round = 0; round < rounds; round++)
        {
            Console.WriteLine($"round {round + 1} ({cell}, {threads} threads, {options.GradientKernels} gradient ops):");
            var (wall, cpu) = (Stopwatch.StartNew(), process.TotalProcessorTime);
            void Phase(string what)
            {
                process.Refresh();
                var now = process.TotalProcessorTime;
                Console.WriteLine($"  {what,-34} {wall.Elapsed.TotalMilliseconds,8:F1} ms wall {(now - cpu).TotalMilliseconds,8:F1} ms cpu");
                wall.Restart();
                cpu = now;
            }
            var model = Nb201Network.Build(Nb201GradientBenchmarks.Named(cell), new Nb201NetworkOptions { Seed = (ulong)round });
            Phase("network");
            var shapes = StaticShapes.For(model, new Dictionary<string, long[]> { [Nb201Network.InputName] = batch.Inputs.Shape }, [Nb201Network.InputName]);
            Phase($"static shapes ({(shapes.Inferred ? "inferred" : "probed: " + shapes.ProbeReason)})");
            StaticShapes.ProbeScaled(model, new Dictionary<string, long[]> { [Nb201Network.InputName] = batch.Inputs.Shape }, [Nb201Network.InputName]);
            Phase("static shapes by probe (for comparison)");
            var gradient = LossGradient.Build(model, batch.Inputs.Shape, options: new GradientOptions { Kernels = options.GradientKernels, ConstantWeights = true });
            Phase($"gradient graph ({gradient.Model.Graph.Node.Count} nodes)");
            var bytes = ModelFile.ToBytes(gradient.Model);
            Phase($"serialize ({bytes.Length / 1e6:F1} MB)");
            using (var session = SessionFactory.Create(gradient.Model, options))
                Phase("session");
            using var scorer = NasiScorer.Create(model, batch.Inputs.Shape, options);
            Phase("scorer (graph + session)");
            var faults = MinorFaults();
            var first = scorer.Score(batch);
            Phase($"first run ({MinorFaults() - faults:N0} page faults)");
            faults = MinorFaults();
            scorer.Score(batch);
            Phase($"second run ({MinorFaults() - faults:N0} page faults)");
            var warm = new List<double>();
            for (var i = 0; i < 3; i++)
            {
                var c = Stopwatch.StartNew();
                scorer.Score(batch);
                warm.Add(c.Elapsed.TotalMilliseconds);
            }
            Phase($"3 warm runs (min {warm.Min():F0} ms)");
            using var forward = SessionFactory.Create(model, options);
            var feeds = new Dictionary<string, Tensor> { [Nb201Network.InputName] = batch.Inputs };
            forward.Run(feeds, null, [Nb201Network.OutputName]);
            Phase("forward session + first run");
            var f = new List<double>();
            for (var i = 0; i < 3; i++)
            {
                var c = Stopwatch.StartNew();
                forward.Run(feeds, null, [Nb201Network.OutputName]);
                f.Add(c.Elapsed.TotalMilliseconds);
            }
            Phase($"3 forward runs (min {f.Min():F0} ms)");
            // Interleaved pairs, timed by this thread's CPU clock (one intra-op thread runs on the caller): other load
            // on a shared machine stretches wall time far more than the CPU time a run takes.
            var (fwdCpu, bwdCpu) = (double.MaxValue, double.MaxValue);
            for (var i = 0; i < 5; i++)
            {
                var c0 = ThreadCpuMs();
                forward.Run(feeds, null, [Nb201Network.OutputName]);
                var c1 = ThreadCpuMs();
                scorer.Score(batch);
                var c2 = ThreadCpuMs();
                (fwdCpu, bwdCpu) = (Math.Min(fwdCpu, c1 - c0), Math.Min(bwdCpu, c2 - c1));
            }
            Console.WriteLine($"  S = {first.Score:G8}; warm fwd+bwd / fwd = {warm.Min() / f.Min():F2} (wall minima); " +
                              $"{bwdCpu:F0} / {fwdCpu:F0} ms = {bwdCpu / fwdCpu:F2} (thread CPU minima of 5 interleaved pairs, {(threads == 1 ? "exact" : "caller thread only")}); peak RSS {PeakRss()}");
        }
    }

    /// <summary>
    /// ONNX Runtime's profile of <paramref name="runs"/> warm runs of the scorer's gradient model, summed by op type
    /// from each node's fastest run (whole runs swing with other load on a shared machine; per-node minima by a few percent).
    /// </summary>
    public static void Profile(string cell, int threads, int runs, bool standard, string directory)
    {
        Directory.CreateDirectory(directory);
        var options = new RuntimeOptions
        {
            Provider = ExecutionProvider.Cpu, IntraOpThreads = threads, ProfilePrefix = Path.Combine(directory, standard ? "standard" : "fused"),
            GradientKernels = standard ? GradientKernelMode.Standard : GradientKernelMode.Fused,
        };
        var batch = new GaussianSource([3, 32, 32], 10, 0).Draw(64);
        var model = Nb201Network.Build(Nb201GradientBenchmarks.Named(cell), new Nb201NetworkOptions());
        string path;
        using (var scorer = NasiScorer.Create(model, batch.Inputs.Shape, options))
        {
            for (var i = 0; i < runs; i++) scorer.Score(batch);
            path = scorer.EndProfiling();
        }
        var minima = new Dictionary<string, (string Op, double Us)>();
        using (var doc = System.Text.Json.JsonDocument.Parse(File.ReadAllText(path)))
            foreach (var e in doc.RootElement.EnumerateArray())
            {
                if (e.GetProperty("cat").GetString() != "Node" || !e.TryGetProperty("args", out var args) || !args.TryGetProperty("op_name", out var op)) continue;
                var name = e.GetProperty("name").GetString()!;
                if (!name.EndsWith("_kernel_time", StringComparison.Ordinal)) continue;
                var us = e.GetProperty("dur").GetDouble();
                minima[name] = minima.TryGetValue(name, out var m) ? (m.Op, Math.Min(m.Us, us)) : (op.GetString()!, us);
            }
        Console.WriteLine($"{cell}, {options.GradientKernels} ops, {threads} threads: per-node minima over {runs} runs, by op type ({path})");
        foreach (var g in minima.Values.GroupBy(v => v.Op).OrderByDescending(g => g.Sum(v => v.Us)))
            Console.WriteLine($"  {g.Key,-28} {g.Count(),5} nodes {g.Sum(v => v.Us) / 1000,9:F1} ms");
        Console.WriteLine($"  {"total",-28} {minima.Count,5} nodes {minima.Values.Sum(v => v.Us) / 1000,9:F1} ms");
    }

    /// <summary>This thread's CPU time (user + system) from /proc, in ms (10 ms ticks).</summary>
    public static double ThreadCpuMs()
    {
        var fields = File.ReadAllText("/proc/thread-self/stat").Split(' ');
        return (long.Parse(fields[13]) + long.Parse(fields[14])) * 10.0;
    }

    /// <summary>The process's minor page faults so far (/proc/self/stat, field 10).</summary>
    private static long MinorFaults() => long.Parse(File.ReadAllText("/proc/self/stat").Split(')')[1].Split(' ', StringSplitOptions.RemoveEmptyEntries)[7]);

    private static string PeakRss() => File.ReadLines("/proc/self/status").First(l => l.StartsWith("VmHWM:"))["VmHWM:".Length..].Trim();
}
