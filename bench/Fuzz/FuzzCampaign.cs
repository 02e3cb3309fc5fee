using System.Collections.Concurrent;
using System.Diagnostics;
using NasiOnnx.Bench.Exports;
using NasiOnnx.Engine;
using NasiOnnx.Engine.Graphs;
using NasiOnnx.Engine.Init;
using NasiOnnx.Engine.Ranking;
using NasiOnnx.Engine.Runtime;
using NasiOnnx.Engine.Scoring;
using NasiOnnx.Models.Nb201;

namespace NasiOnnx.Bench.Fuzz;

/// <summary>
/// <c>dotnet run -c Release --project bench -- --fuzz COUNT [SEED] [LIMIT_SECONDS] [OUT_DIR] [FIRST]</c>: a seeded campaign of
/// mutated models. The seeds are real-shaped classifiers (the held-out export collection: fixed and symbolic
/// batches, NHWC, final Softmax, opsets 8–18, plus a NAS-Bench-201 network); mutant i is
/// <see cref="ModelMutator"/>'s kind i mod 10 applied to seed i mod 37 with <c>Rng.For(SEED, "mutant/i")</c>. Each
/// mutant is scored as <c>nasi score</c> scores a file (NASI and NTK, batch 2, memory and parameter limits) and
/// must give a score or one error naming it; anything else is counted: an exception other than a NasiException
/// (a crash), no answer within the per-model limit (a hang), or an error that does not name the file. The
/// offending mutants are written to OUT_DIR; <c>FIRST</c> starts at mutant FIRST instead of 0, to replay one.
/// </summary>
public static class FuzzCampaign
{
    private static readonly ScoringOptions Options = new()
    {
        Metrics = [Metric.Nasi, Metric.Ntk],
        BatchSize = 2,
        Ntk = new() { Probes = 2, Workers = 1 },
        Runtime = new RuntimeOptions { Provider = ExecutionProvider.Cpu, IntraOpThreads = 1 },
        MaxMemoryBytes = 512L << 20,
        MaxParameters = 5_000_000,
    };

    public static int Run(string[] args)
    {
        var count = args.Length > 0 ? int.Parse(args[0]) : 10_000;
        var seed = args.Length > 1 ? ulong.Parse(args[1]) : 20261128UL;
        var limit = TimeSpan.FromSeconds(args.Length > 2 ? double.Parse(args[2]) : 60);
        var outDir = args.Length > 3 ? args[3] : Path.Combine(Path.GetTempPath(), "nasi-fuzz");
        var first = args.Length > 4 ? int.Parse(args[4]) : 0;
        Directory.CreateDirectory(outDir);

        var seeds = ExportCollection.All.Select(e => (e.Name, Bytes: ModelFile.ToBytes(e.Build()))).ToList();
        seeds.Add(("nb201", ModelFile.ToBytes(Nb201Network.Build(Nb201Cell.Parse("|nor_conv_3x3~0|+|skip_connect~0|avg_pool_3x3~1|+|none~0|nor_conv_1x1~1|skip_connect~2|"),
            new Nb201NetworkOptions { C = 4, N = 1, InputSize = 8, BatchNorm = BatchNormMode.Inference }))));

        var outcomes = new ConcurrentDictionary<(string Kind, string Outcome), int>();
        var problems = new ConcurrentQueue<string>();
        var seconds = new double[count];
        var clock = Stopwatch.StartNew();
        var done = 0;
        // The mutants in flight, so that a process killed from outside (the OOM killer, a native fault) names them.
        using var inFlight = new StreamWriter(Path.Combine(outDir, "in-flight.log")) { AutoFlush = true };
        Parallel.For(first, first + count, new ParallelOptions { MaxDegreeOfParallelism = 2 }, i =>
        {
            var kind = ModelMutator.Kinds[i % ModelMutator.Kinds.Length];
            var (seedName, seedBytes) = seeds[i % seeds.Count];
            var bytes = ModelMutator.Mutate(seedBytes, kind, Rng.For(seed, $"mutant/{i}"));
            var name = $"mutant{i:D5}_{kind}_{seedName}.onnx";
            lock (inFlight) inFlight.WriteLine($"start {name}");
            if (count == 1) File.WriteAllBytes(Path.Combine(outDir, name), bytes); // a replay keeps the mutant even if the process dies
            var started = Stopwatch.StartNew();
            var task = Task.Factory.StartNew(() => Score(bytes, name), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
            string outcome;
            if (!task.Wait(limit)) outcome = "hang";
            else outcome = task.Result;
            seconds[i - first] = started.Elapsed.TotalSeconds;
            lock (inFlight) inFlight.WriteLine($"end   {name} {outcome.Split(':')[0]} {seconds[i - first]:F2} s");
            outcomes.AddOrUpdate((kind, outcome is "scored" or "error" or "partial" ? outcome : outcome.Split(':')[0]), 1, (_, n) => n + 1);
            if (outcome is not ("scored" or "error" or "partial"))
            {
                File.WriteAllBytes(Path.Combine(outDir, name), bytes);
                problems.Enqueue($"{name}: {outcome}");
            }
            var n = Interlocked.Increment(ref done);
            if (n % 500 == 0) Console.WriteLine($"{n} of {count} mutants, {clock.Elapsed.TotalMinutes:F1} min, {problems.Count} problems");
        });

        Console.WriteLine($"{count} mutants (seed {seed}, per-model limit {limit.TotalSeconds:F0} s) in {clock.Elapsed.TotalMinutes:F1} min on 2 workers;"
                          + $" per mutant mean {seconds.Average():F3} s, max {seconds.Max():F2} s");
        var columns = new[] { "scored", "partial", "error", "crash", "hang", "unnamed" };
        Console.WriteLine($"{"kind",-12} {string.Join(" ", columns.Select(c => $"{c,8}"))}");
        foreach (var kind in ModelMutator.Kinds)
            Console.WriteLine($"{kind,-12} {string.Join(" ", columns.Select(c => $"{outcomes.GetValueOrDefault((kind, c)),8}"))}");
        Console.WriteLine($"{"total",-12} {string.Join(" ", columns.Select(c => $"{outcomes.Where(kv => kv.Key.Outcome == c).Sum(kv => kv.Value),8}"))}");
        foreach (var p in problems.Take(50)) Console.WriteLine("  " + p);
        if (!problems.IsEmpty) Console.WriteLine($"{problems.Count} problem mutants written to {outDir}");
        return problems.IsEmpty ? 0 : 1;
    }

    /// <summary>"scored", "partial", "error" (a NasiException naming the file), or "crash: …" / "unnamed: …".</summary>
    private static string Score(byte[] bytes, string name)
    {
        try
        {
            using var scorer = new ModelScorer(Options);
            var row = scorer.Score(new Candidate(name, () => ModelFile.Parse(bytes, name)), CancellationToken.None);
            return row.Status == ScoreRow.Ok ? "scored" : "partial";
        }
        catch (NasiException e)
        {
            return e.Message.StartsWith(name + ": ", StringComparison.Ordinal) ? "error" : $"unnamed: {e.Message}";
        }
        catch (Exception e)
        {
            return $"crash: {e.GetType().Name}: {e.Message.ReplaceLineEndings(" ")} {string.Concat((e.StackTrace ?? "").Split('\n').Where(f => f.Contains("NasiOnnx.Engine", StringComparison.Ordinal)).Take(2).Select(f => " " + f.Trim()))}";
        }
    }
}
