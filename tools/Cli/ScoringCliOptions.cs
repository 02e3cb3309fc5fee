using System.CommandLine;
using System.Globalization;
using NasiOnnx.Engine;
using NasiOnnx.Engine.Autodiff;
using NasiOnnx.Engine.Data;
using NasiOnnx.Engine.Graphs;
using NasiOnnx.Engine.Ntk;
using NasiOnnx.Engine.Runtime;
using NasiOnnx.Engine.Scoring;

namespace NasiOnnx.Tools.Cli;

/// <summary>The options that say what to compute and on which data: shared by score, rank and ntk.</summary>
public sealed class ScoringCliOptions
{
    public Option<string> Metric { get; } = new("--metric") { Description = MetricHelp, DefaultValueFactory = _ => "nasi" };
    public Option<double> Mu { get; } = new("--mu") { Description = "μ of the objective R = S − μ·max(0, S − ν).", DefaultValueFactory = _ => 2.0 };
    public Option<double?> Nu { get; } = new("--nu") { Description = "ν of the objective." };
    public Option<int?> Batch { get; } = new("--batch", "-b") { Description = "Batch size (default: a .npy --data's sample count, else 64)." };
    public Option<string> BatchRoute { get; } = new("--batch-route") { Description = "For models with a fixed batch dimension: auto (relaxed where the graph allows it, else per-sample), relaxed or per-sample.", DefaultValueFactory = _ => "auto" };
    public Option<ulong> DataSeed { get; } = new("--data-seed") { Description = "Seed of the data, labels and probes (default: --seed)." };
    public Option<string> Data { get; } = new("--data") { Description = "gaussian, smooth (spatially correlated Gaussian images), a .npy of float32 inputs shaped as the model's (NCHW, or NHWC for a channels-last model), or cifar10:PATH / cifar100:PATH.", DefaultValueFactory = _ => DataSpec.Gaussian };
    public Option<string?> LabelFile { get; } = new("--label-file") { Description = "A .npy of integer labels for a .npy --data." };
    public Option<string?> Labels { get; } = new("--labels") { Description = "true or random (default: true where the data has labels)." };
    public Option<int> Probes { get; } = new("--probes") { Description = "NTK probes (fixed count).", DefaultValueFactory = _ => 32 };
    public Option<double?> RelError { get; } = new("--rel-error") { Description = "NTK: stop once the standard error is below this fraction of the estimate." };
    public Option<int> Threads { get; } = new("--threads") { Description = "Intra-op threads per session (0 = ONNX Runtime's choice).", DefaultValueFactory = _ => 0 };
    public Option<bool> Spin { get; } = new("--spin") { Description = SpinDescription };
    public Option<string> Provider { get; } = new("--provider") { Description = "auto, cpu or cuda.", DefaultValueFactory = _ => "auto" };
    public Option<string> GradientOps { get; } = new("--gradient-ops")
    {
        Description = "fused: the C# gradient kernels on CPU sessions (default); standard: plain ONNX ops only, the reference.",
        DefaultValueFactory = _ => "fused",
    };

    private static readonly string MetricHelp =
        "Metrics, comma-separated, or all: " + string.Join(", ", MetricTable.Entries.Select(e => e.Name)) +
        " (objective R needs --nu). docs/PROXIES.md defines each.";

    internal const string SpinDescription = "Idle ONNX Runtime threads spin between ops: faster where nasi has the cores to itself, slower beside other busy work.";

    public IEnumerable<Option> All => [Metric, Mu, Nu, Batch, BatchRoute, DataSeed, Data, LabelFile, Labels, Probes, RelError, Threads, Spin, Provider, GradientOps];

    public void AddTo(Command command)
    {
        foreach (var o in All) command.Options.Add(o);
    }

    public DataOptions DataOptions(ParseResult parse) => new()
    {
        Spec = parse.GetValue(Data)!,
        LabelFile = parse.GetValue(LabelFile),
        Labels = ParseLabels(parse.GetValue(Labels)),
    };

    /// <summary>Comma-separated metric names of <see cref="MetricTable"/>, or <c>all</c> (with the objective when
    /// <paramref name="nuGiven"/>).</summary>
    public static IReadOnlyList<Metric> ParseMetrics(string text, bool nuGiven = false) => Engine.Scoring.Metric.ParseList(text, nuGiven);

    public static LabelMode? ParseLabels(string? text) => text?.ToLowerInvariant() switch
    {
        null => null,
        "true" => LabelMode.True,
        "random" => LabelMode.Random,
        _ => throw new NasiException($"--labels '{text}': expected true or random"),
    };

    public static GradientKernelMode ParseGradientOps(string text) => text.ToLowerInvariant() switch
    {
        "fused" => GradientKernelMode.Fused,
        "standard" => GradientKernelMode.Standard,
        _ => throw new NasiException($"--gradient-ops '{text}': expected fused or standard"),
    };

    public static ExecutionProvider ParseProvider(string text) => text.ToLowerInvariant() switch
    {
        "auto" => ExecutionProvider.Auto,
        "cpu" => ExecutionProvider.Cpu,
        "cuda" => ExecutionProvider.Cuda,
        _ => throw new NasiException($"--provider '{text}': expected auto, cpu or cuda"),
    };

    public static long[] ParseShape(string text) =>
        text.Split(',', 'x').Select(s => long.TryParse(s.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var d) && d > 0
            ? d : throw new NasiException($"--input-shape '{text}': expected positive integers like 3,32,32")).ToArray();

    /// <param name="seed">The seed when --data-seed is absent (the network seed, so one --seed fixes a run).</param>
    public ScoringOptions Build(ParseResult parse, ulong seed, int threadsDefault = 0, BatchNormMode? batchNorm = null, long[]? inputShape = null)
    {
        var batch = parse.GetValue(Batch);
        if (batch < 1) throw new NasiException($"--batch must be at least 1 (got {batch})");
        var route = ScoringPlan.ParseRoute(parse.GetValue(BatchRoute)!);
        var probes = parse.GetValue(Probes);
        var threads = parse.GetValue(Threads) is > 0 and var t ? t : threadsDefault;
        var provider = ParseProvider(parse.GetValue(Provider)!);
        var dataSeed = parse.GetResult(DataSeed) is null ? seed : parse.GetValue(DataSeed);
        var ntk = new NtkOptions
        {
            Probes = probes,
            RelativeError = parse.GetValue(RelError),
            Provider = provider,
            ThreadsPerWorker = threads is > 0 ? threads : 1,
        };
        ntk.Validate();
        return new ScoringOptions
        {
            Metrics = ParseMetrics(parse.GetValue(Metric)!, parse.GetValue(Nu) is not null),
            Mu = parse.GetValue(Mu),
            Nu = parse.GetValue(Nu),
            BatchSize = batch,
            Route = route,
            Seed = dataSeed,
            Data = DataOptions(parse),
            BatchNorm = batchNorm,
            InputShape = inputShape,
            Runtime = new RuntimeOptions
            {
                Provider = provider, IntraOpThreads = threads, AllowSpinning = parse.GetValue(Spin),
                GradientKernels = ParseGradientOps(parse.GetValue(GradientOps)!),
            },
            Ntk = ntk,
        };
    }
}
