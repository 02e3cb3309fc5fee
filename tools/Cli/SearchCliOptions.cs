using System.CommandLine;
using System.Globalization;
using NasiOnnx.Engine;
using NasiOnnx.Engine.Costs;
using NasiOnnx.Engine.Data;
using NasiOnnx.Engine.Runtime;
using NasiOnnx.Engine.Search;
using NasiOnnx.Models.Darts;
using NasiOnnx.Models.Nb201;
using NasiOnnx.Models.Spaces;

namespace NasiOnnx.Tools.Cli;

/// <summary>The options of one NASI search: shared by <c>search</c> and <c>study</c>, so a study runs exactly the search it names.</summary>
public sealed class SearchCliOptions
{
    public Option<string> Space { get; } = new("--space") { Description = "nb201 or darts.", DefaultValueFactory = _ => "nb201" };
    public Option<string> Variant { get; } = new("--variant") { Description = "ada (ν follows the --nu-quantile of every S seen so far) or fix (ν stays where the calibration put it).", DefaultValueFactory = _ => "ada" };
    public Option<int> Batch { get; } = new("--batch", "-b") { Description = "Batch size.", DefaultValueFactory = _ => 64 };
    public Option<double> Mu { get; } = new("--mu") { Description = "μ of R = S − μ·max(0, S − ν).", DefaultValueFactory = _ => 2.0 };
    public Option<double?> Nu { get; } = new("--nu") { Description = "ν (default: calibrated, the --nu-quantile of S at α₀ over --calibration samples)." };
    public Option<double> NuQuantile { get; } = new("--nu-quantile") { Description = "Quantile of the S values seen that sets ν (1: their maximum).", DefaultValueFactory = _ => 1.0 };
    public Option<int> Calibration { get; } = new("--calibration") { Description = "Samples used to calibrate ν.", DefaultValueFactory = _ => 8 };
    public Option<double> Tau { get; } = new("--tau") { Description = "Gumbel-softmax temperature τ.", DefaultValueFactory = _ => 1.0 };
    public Option<string> Mixing { get; } = new("--mixing") { Description = "How the supernet mixes op outputs: sqrt (Σ √A·op, variance-preserving) or linear (Σ A·op, DARTS's).", DefaultValueFactory = _ => "sqrt" };
    public Option<string> Derive { get; } = new("--derive") { Description = "nb201: each edge's op is the argmax of α* over the four real ops (no-none, DARTS's rule) or over all five (argmax).", DefaultValueFactory = _ => "no-none" };
    public Option<int?> Channels { get; } = new("-C", "--channels") { Description = "Supernet channels (default: nb201 16, darts 8)." };
    public Option<int?> Depth { get; } = new("-N", "--cells") { Description = "Supernet depth: cells per stage (nb201, default 1) or cells (darts, default 5)." };
    public Option<string?> Data { get; } = new("--data") { Description = "smooth (spatially correlated Gaussian images), gaussian (white noise), a .npy file, or cifar10:PATH / cifar100:PATH (default: smooth for NASI's search, gaussian for a metric --objective, the data its scores are calibrated on)." };
    public Option<string?> LabelFile { get; } = new("--label-file") { Description = "Labels for a .npy --data." };
    public Option<string?> Labels { get; } = new("--labels") { Description = "true or random." };
    public Option<int> Threads { get; } = new("--threads") { Description = "Intra-op threads (0 = ONNX Runtime's choice).", DefaultValueFactory = _ => 0 };
    public Option<bool> Spin { get; } = new("--spin") { Description = ScoringCliOptions.SpinDescription };
    public Option<string> Provider { get; } = new("--provider") { Description = "auto, cpu or cuda.", DefaultValueFactory = _ => "auto" };
    public Option<string> Objective { get; } = new("--objective") { Description = "nasi (NASI's R on the supernet) or a metric name: the same one-step search over sampled architectures scored by that metric (beyond the paper; nb201).", DefaultValueFactory = _ => "nasi" };
    public Option<int> Rounds { get; } = new("--rounds") { Description = "Metric objectives: the T samples in this many rounds, α stepping by ξ·Δ* after each (1 = Algorithm 1's single step).", DefaultValueFactory = _ => 1 };
    public Option<double> Xi { get; } = new("--xi") { Description = "ξ, the step of Δ* (per round with --rounds).", DefaultValueFactory = _ => 1.0 };
    public Option<string[]> Constraint { get; } = new("--constraint") { Description = "A budget the chosen architecture must meet, COST<=LIMIT with COST params, flops (multiply-accumulates) or latency_ms; repeat for several (beyond the paper: NASI's objective derives the feasible architecture α* ranks highest, a metric objective samples and evolves feasible ones).", DefaultValueFactory = _ => [] };
    public Option<int?> Evolution { get; } = new("--evolution") { Description = "Metric objectives: how many of the T evaluations go to regularized evolution over (feasible) cells after the sampled ones (default: T/2 with a --constraint, else 0)." };
    public Option<FileInfo?> Truth { get; } = new("--truth") { Description = "NAS-Bench-201 accuracy table (e.g. ../shared/nb201/nb201_all.csv): after the search has ended, print the chosen cell's accuracies and ranks." };

    public IEnumerable<Option> All => [Space, Variant, Batch, Mu, Nu, NuQuantile, Calibration, Tau, Mixing, Derive, Channels, Depth, Data, LabelFile, Labels, Objective, Rounds, Xi, Constraint, Evolution, Threads, Spin, Provider, Truth];

    public void AddTo(Command command)
    {
        foreach (var o in All) command.Options.Add(o);
    }

    public SearchSpace SearchSpace(ParseResult parse)
    {
        var (channels, depth) = (parse.GetValue(Channels), parse.GetValue(Depth));
        return parse.GetValue(Space)!.ToLowerInvariant() switch
        {
            "nb201" => new Nb201SearchSpace(
                Nb201SearchSpace.DefaultSupernet with { C = channels ?? Nb201SearchSpace.DefaultSupernet.C, N = depth ?? Nb201SearchSpace.DefaultSupernet.N },
                Nb201NetworkOptions.Default, deriveWithoutNone: parse.GetValue(Derive)!.ToLowerInvariant() switch
                {
                    "argmax" => false,
                    "no-none" => true,
                    var d => throw new NasiException($"--derive '{d}': expected argmax or no-none"),
                }),
            "darts" => new DartsSearchSpace(
                DartsSupernetOptions.Default with { C = channels ?? DartsSupernetOptions.Default.C, Layers = depth ?? DartsSupernetOptions.Default.Layers },
                DartsNetworkOptions.Cifar10),
            var s => throw new NasiException($"--space '{s}': expected nb201 or darts"),
        };
    }

    /// <summary>The search settings; <paramref name="samples"/> and <paramref name="seed"/> come from the command.</summary>
    public NasiSearchOptions Options(ParseResult parse, int samples, ulong seed)
    {
        var options = new NasiSearchOptions
        {
            Samples = samples,
            BatchSize = parse.GetValue(Batch),
            Mu = parse.GetValue(Mu),
            Nu = parse.GetValue(Nu),
            NuQuantile = parse.GetValue(NuQuantile),
            CalibrationSamples = parse.GetValue(Calibration),
            Tau = parse.GetValue(Tau),
            Variant = parse.GetValue(Variant)!.ToLowerInvariant() switch
            {
                "fix" => NasiVariant.Fix,
                "ada" => NasiVariant.Ada,
                var v => throw new NasiException($"--variant '{v}': expected fix or ada"),
            },
            SqrtMixing = parse.GetValue(Mixing)!.ToLowerInvariant() switch
            {
                "linear" => false,
                "sqrt" => true,
                var v => throw new NasiException($"--mixing '{v}': expected linear or sqrt"),
            },
            Objective = parse.GetValue(Objective)!,
            Rounds = parse.GetValue(Rounds),
            Xi = parse.GetValue(Xi),
            Seed = seed,
            Budget = CostBudget.Parse(parse.GetValue(Constraint) ?? []),
            Evolution = parse.GetValue(Evolution),
            Runtime = new RuntimeOptions
            {
                Provider = ScoringCliOptions.ParseProvider(parse.GetValue(Provider)!),
                IntraOpThreads = parse.GetValue(Threads),
                AllowSpinning = parse.GetValue(Spin),
            },
        };
        options.Validate();
        return options;
    }

    public DataOptions DataOptions(ParseResult parse) => new()
    {
        Spec = DataSpecOf(parse),
        LabelFile = parse.GetValue(LabelFile),
        Labels = ScoringCliOptions.ParseLabels(parse.GetValue(Labels)),
    };

    /// <summary>The truth table's path, checked for existence now but read only after a search has ended.</summary>
    public string? TruthPath(ParseResult parse, SearchSpace space)
    {
        if (parse.GetValue(Truth) is not { } file) return null;
        if (space is not Nb201SearchSpace) throw new NasiException($"--truth: accuracy tables exist for nb201 only, not {space.Name}");
        if (!file.Exists) throw new NasiException($"--truth {file.FullName}: no such file");
        return file.FullName;
    }

    /// <summary>Everything that changes what a search finds, except T and the seed: a study's runs must share it.</summary>
    public string Settings(ParseResult parse, SearchSpace space, NasiSearchOptions o) => string.Join(' ',
        $"space={space.Name}", $"variant={o.Variant.ToString().ToLowerInvariant()}", $"batch={o.BatchSize}", F("mu", o.Mu),
        o.Nu is { } nu ? F("nu", nu) : F("nu-quantile", o.NuQuantile), $"calibration={o.CalibrationSamples}", F("tau", o.Tau), $"mixing={(o.SqrtMixing ? "sqrt" : "linear")}", $"derive={(space is Nb201SearchSpace { DeriveWithoutNone: true } ? "no-none" : "argmax")}",
        $"C={parse.GetValue(Channels)?.ToString(CultureInfo.InvariantCulture) ?? "default"}",
        $"N={parse.GetValue(Depth)?.ToString(CultureInfo.InvariantCulture) ?? "default"}",
        $"data={DataSpecOf(parse)}", $"labels={parse.GetValue(Labels) ?? "default"}", $"objective={o.Objective}", $"rounds={o.Rounds}", F("xi", o.Xi))
        // Budgets and evolution came later: left out when unused, so an older study's settings still match.
        + (o.Budget.IsEmpty ? "" : $" constraints={string.Join(',', o.Budget.Constraints)}")
        + (o.Evolution is { } e ? $" evolution={e}" : "");

    private string DataSpecOf(ParseResult parse) => parse.GetValue(Data) ??
        (parse.GetValue(Objective)!.Equals(NasiSearchOptions.NasiObjective, StringComparison.OrdinalIgnoreCase) ? DataSpec.Smooth : DataSpec.Gaussian);

    private static string F(string name, double v) => $"{name}={v.ToString("R", CultureInfo.InvariantCulture)}";
}
