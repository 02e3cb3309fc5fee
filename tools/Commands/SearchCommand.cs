using System.CommandLine;
using NasiOnnx.Engine;
using NasiOnnx.Engine.Data;
using NasiOnnx.Engine.Graphs;
using NasiOnnx.Engine.Runtime;
using NasiOnnx.Engine.Search;
using NasiOnnx.Models.Api;
using NasiOnnx.Models.Darts;
using NasiOnnx.Models.Nb201;
using NasiOnnx.Models.Spaces;
using NasiOnnx.Tools.Cli;

namespace NasiOnnx.Tools.Commands;

/// <summary><c>nasi search --space nb201|darts</c>: NASI's Algorithm 1, no training anywhere.</summary>
public static class SearchCommand
{
    public static Command Create(ConsoleIO io)
    {
        var space = new Option<string>("--space") { Description = "nb201 or darts.", DefaultValueFactory = _ => "nb201" };
        var variant = new Option<string>("--variant") { Description = "fix (ν fixed) or ada (ν follows the --nu-quantile of the S seen).", DefaultValueFactory = _ => "fix" };
        var samples = new Option<int>("--samples", "-T") { Description = "T, architecture samples.", DefaultValueFactory = _ => 100 };
        var seed = new Option<ulong>("--seed") { Description = "Seed of θ₀, the batches, labels and Gumbel noise.", DefaultValueFactory = _ => 0UL };
        var batch = new Option<int>("--batch", "-b") { Description = "Batch size.", DefaultValueFactory = _ => 64 };
        var mu = new Option<double>("--mu") { Description = "μ of R = S − μ·max(0, S − ν).", DefaultValueFactory = _ => 2.0 };
        var nu = new Option<double?>("--nu") { Description = "ν (default: calibrated, the --nu-quantile of S at α₀ over --calibration samples)." };
        var nuQuantile = new Option<double>("--nu-quantile") { Description = "Quantile of the S values seen that sets ν.", DefaultValueFactory = _ => 0.9 };
        var calibration = new Option<int>("--calibration") { Description = "Samples used to calibrate ν.", DefaultValueFactory = _ => 8 };
        var tau = new Option<double>("--tau") { Description = "Gumbel-softmax temperature τ.", DefaultValueFactory = _ => 1.0 };
        var channels = new Option<int?>("-C", "--channels") { Description = "Supernet channels (default: nb201 16, darts 8)." };
        var depth = new Option<int?>("-N", "--cells") { Description = "Supernet depth: cells per stage (nb201, default 1) or cells (darts, default 5)." };
        var data = new Option<string>("--data") { Description = "gaussian, a .npy file, or cifar10:PATH / cifar100:PATH.", DefaultValueFactory = _ => DataSpec.Gaussian };
        var labelFile = new Option<string?>("--label-file") { Description = "Labels for a .npy --data." };
        var labels = new Option<string?>("--labels") { Description = "true or random." };
        var threads = new Option<int>("--threads") { Description = "Intra-op threads (0 = ONNX Runtime's choice).", DefaultValueFactory = _ => 0 };
        var spin = new Option<bool>("--spin") { Description = ScoringCliOptions.SpinDescription };
        var provider = new Option<string>("--provider") { Description = "auto, cpu or cuda.", DefaultValueFactory = _ => "auto" };
        var output = new Option<FileInfo?>("-o", "--output") { Description = "Export the chosen architecture's evaluation network as ONNX." };
        var json = new Option<bool>("--json") { Description = "Print JSON." };
        var command = new Command("search", "Run the NASI search (Algorithm 1) and print the chosen architecture.")
            { space, variant, samples, seed, batch, mu, nu, nuQuantile, calibration, tau, channels, depth, data, labelFile, labels, threads, spin, provider, output, json };
        command.SetAction((parse, ct) => io.GuardAsync(async () =>
        {
            var searchSpace = Space(parse.GetValue(space)!, parse.GetValue(channels), parse.GetValue(depth));
            var runtime = new RuntimeOptions { Provider = ScoringCliOptions.ParseProvider(parse.GetValue(provider)!), IntraOpThreads = parse.GetValue(threads), AllowSpinning = parse.GetValue(spin) };
            var options = new NasiSearchOptions
            {
                Samples = parse.GetValue(samples),
                BatchSize = parse.GetValue(batch),
                Mu = parse.GetValue(mu),
                Nu = parse.GetValue(nu),
                NuQuantile = parse.GetValue(nuQuantile),
                CalibrationSamples = parse.GetValue(calibration),
                Tau = parse.GetValue(tau),
                Variant = parse.GetValue(variant)!.ToLowerInvariant() switch
                {
                    "fix" => NasiVariant.Fix,
                    "ada" => NasiVariant.Ada,
                    var v => throw new NasiException($"--variant '{v}': expected fix or ada"),
                },
                Seed = parse.GetValue(seed),
                Runtime = runtime,
            };
            options.Validate();

            io.Err.WriteLine(SessionFactory.ProviderLine(runtime));
            io.Err.WriteLine($"searching {searchSpace.Name} (T = {options.Samples}, batch {options.BatchSize}); building the supernet's gradient graph…");
            var dataOptions = new DataOptions
            {
                Spec = parse.GetValue(data)!,
                LabelFile = parse.GetValue(labelFile),
                Labels = ScoringCliOptions.ParseLabels(parse.GetValue(labels)),
            };
            var summary = await Nasi.SearchAsync(searchSpace, options, dataOptions, new Progress(io, options.Samples), ct);

            string? exported = null;
            if (parse.GetValue(output) is { } file)
            {
                ModelFile.Save(searchSpace.BuildNetwork(summary.Architecture, options.Seed), file.FullName);
                exported = file.FullName;
            }
            if (parse.GetValue(json)) { io.Out.WriteLine(NasiJson.Serialize(new { summary, exported })); return 0; }
            io.Out.WriteLine($"architecture   {summary.Architecture}");
            io.Out.WriteLine($"variant        NASI-{options.Variant.ToString().ToUpperInvariant()}  (μ = {options.Mu}, ν = {summary.Nu:G4}{(options.Variant == NasiVariant.Ada ? $" → {summary.FinalNu:G4}" : "")}, τ = {options.Tau})");
            io.Out.WriteLine($"score S        mean {summary.MeanScore:G6} over {options.Samples} samples (R mean {summary.MeanObjective:G6})");
            io.Out.WriteLine($"time           {summary.BuildSeconds + summary.SearchSeconds:F1} s ({summary.BuildSeconds:F1} s building, {summary.SecondsPerSample:F2} s per G_t) on {summary.Provider}");
            if (exported is not null) io.Out.WriteLine($"exported       {exported}");
            return 0;
        }));
        return command;
    }

    private static SearchSpace Space(string name, int? channels, int? depth) => name.ToLowerInvariant() switch
    {
        "nb201" => new Nb201SearchSpace(
            Nb201SearchSpace.DefaultSupernet with { C = channels ?? Nb201SearchSpace.DefaultSupernet.C, N = depth ?? Nb201SearchSpace.DefaultSupernet.N },
            Nb201NetworkOptions.Default),
        "darts" => new DartsSearchSpace(
            DartsSupernetOptions.Default with { C = channels ?? DartsSupernetOptions.Default.C, Layers = depth ?? DartsSupernetOptions.Default.Layers },
            DartsNetworkOptions.Cifar10),
        _ => throw new NasiException($"--space '{name}': expected nb201 or darts"),
    };

    /// <summary>One line per sample: S, R, ν and ‖G‖, with the rate.</summary>
    private sealed class Progress(ConsoleIO io, int total) : IProgress<NasiSearchProgress>
    {
        public void Report(NasiSearchProgress p)
        {
            var s = p.Last;
            var eta = TimeSpan.FromSeconds(p.Elapsed.TotalSeconds / p.Done * (total - p.Done));
            io.Err.WriteLine($"[{p.Done}/{total}] S={s.Score:G5} R={s.Objective:G5} ν={s.Nu:G4} ‖G‖={s.GradientNorm:G3} loss={s.Loss:F3}  ({p.Elapsed.TotalSeconds:F1} s, eta {eta:mm\\:ss})");
        }
    }
}
