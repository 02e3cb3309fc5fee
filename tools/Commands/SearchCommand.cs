using System.CommandLine;
using NasiOnnx.Engine;
using NasiOnnx.Engine.Graphs;
using NasiOnnx.Engine.Runtime;
using NasiOnnx.Engine.Search;
using NasiOnnx.Models.Api;
using NasiOnnx.Models.Nb201;
using NasiOnnx.Tools.Cli;

namespace NasiOnnx.Tools.Commands;

/// <summary><c>nasi search --space nb201|darts</c>: NASI's Algorithm 1, no training anywhere.</summary>
public static class SearchCommand
{
    public static Command Create(ConsoleIO io)
    {
        var search = new SearchCliOptions();
        var samples = new Option<int>("--samples", "-T") { Description = "T, architecture samples.", DefaultValueFactory = _ => 100 };
        var seed = new Option<ulong>("--seed") { Description = "Seed of θ₀, the batches, labels and Gumbel noise.", DefaultValueFactory = _ => 0UL };
        var output = new Option<FileInfo?>("-o", "--output") { Description = "Export the chosen architecture's evaluation network as ONNX." };
        var json = new Option<bool>("--json") { Description = "Print JSON." };
        var command = new Command("search", "Run the NASI search (Algorithm 1) and print the chosen architecture.") { samples, seed, output, json };
        search.AddTo(command);
        command.SetAction((parse, ct) => io.GuardAsync(async () =>
        {
            var searchSpace = search.SearchSpace(parse);
            var options = search.Options(parse, parse.GetValue(samples), parse.GetValue(seed));
            var truthPath = search.TruthPath(parse, searchSpace);
            var dataOptions = search.DataOptions(parse);

            io.Err.WriteLine(SessionFactory.ProviderLine(options.Runtime));
            io.Err.WriteLine($"searching {searchSpace.Name} (T = {options.Samples}, batch {options.BatchSize}); building the supernet's gradient graph…");
            var summary = await Nasi.SearchAsync(searchSpace, options, dataOptions, new Progress(io, options.Samples), ct);
            // The search has ended: only now is the truth table read.
            var truth = truthPath is null ? null : Nb201Truth.Load(truthPath).Lookup(summary.Architecture);

            string? exported = null;
            if (parse.GetValue(output) is { } file)
            {
                ModelFile.Save(searchSpace.BuildNetwork(summary.Architecture, options.Seed), file.FullName);
                exported = file.FullName;
            }
            if (parse.GetValue(json)) { io.Out.WriteLine(NasiJson.Serialize(new { summary, truth, exported })); return 0; }
            io.Out.WriteLine($"architecture   {summary.Architecture}");
            if (options.Objective.Equals(NasiSearchOptions.NasiObjective, StringComparison.OrdinalIgnoreCase))
            {
                io.Out.WriteLine($"variant        NASI-{options.Variant.ToString().ToUpperInvariant()}  (μ = {options.Mu}, ν = {summary.Nu:G4}{(options.Variant == NasiVariant.Ada ? $" → {summary.FinalNu:G4}" : "")}, τ = {options.Tau})");
                io.Out.WriteLine($"score S        mean {summary.MeanScore:G6} over {options.Samples} samples (R mean {summary.MeanObjective:G6})");
            }
            else
            {
                io.Out.WriteLine($"objective      {options.Objective} of each sampled cell, score-function estimate, {options.Rounds} round(s), ξ = {options.Xi} (beyond NASI)");
                io.Out.WriteLine($"score          mean {summary.MeanScore:G6} over {options.Samples} samples");
            }
            if (summary.Constraints != "none")
            {
                io.Out.WriteLine($"method         {summary.Method}");
                io.Out.WriteLine($"constraints    {summary.Constraints}");
                if (summary.Cost is { } cost)
                    io.Out.WriteLine($"cost           params {cost.Params:N0}, flops {cost.Flops:N0}{(cost.LatencyMs is { } ms ? $", latency {ms:G4} ms" : "")}");
            }
            io.Out.WriteLine($"time           {summary.BuildSeconds + summary.SearchSeconds:F1} s ({summary.BuildSeconds:F1} s building, {summary.SecondsPerSample:F2} s per G_t) on {summary.Provider}");
            if (truth is not null) io.Out.WriteLine($"accuracy       {LookupCommand.Describe(truth)}");
            if (exported is not null) io.Out.WriteLine($"exported       {exported}");
            return 0;
        }));
        return command;
    }

    /// <summary>One line per sample: S, R, ν and ‖G‖, with the rate.</summary>
    private sealed class Progress(ConsoleIO io, int total) : IProgress<NasiSearchProgress>
    {
        public void Report(NasiSearchProgress p)
        {
            var s = p.Last;
            var eta = TimeSpan.FromSeconds(p.Elapsed.TotalSeconds / p.Done * (total - p.Done));
            io.Err.WriteLine(double.IsNaN(s.Nu)
                ? $"[{p.Done}/{total}] R={s.Score:G5}  ({p.Elapsed.TotalSeconds:F1} s, eta {eta:mm\\:ss})" // a metric objective: R of the sampled cell
                : $"[{p.Done}/{total}] S={s.Score:G5} R={s.Objective:G5} ν={s.Nu:G4} ‖G‖={s.GradientNorm:G3} loss={s.Loss:F3}  ({p.Elapsed.TotalSeconds:F1} s, eta {eta:mm\\:ss})");
        }
    }
}
