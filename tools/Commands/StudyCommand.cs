using System.CommandLine;
using System.Globalization;
using System.Text;
using NasiOnnx.Engine;
using NasiOnnx.Engine.Runtime;
using NasiOnnx.Models.Nb201;
using NasiOnnx.Models.Studies;
using NasiOnnx.Tools.Cli;

namespace NasiOnnx.Tools.Commands;

/// <summary>
/// <c>nasi study</c>: the same search over several budgets T and seeds, summarised as NAS-Bench-201 papers report a
/// search (mean ± std of the chosen cells' accuracies, search time, the cells). Resumes after a kill.
/// </summary>
public static class StudyCommand
{
    public static Command Create(ConsoleIO io)
    {
        var search = new SearchCliOptions();
        var seeds = new Option<int>("--seeds") { Description = "Seeds 0..n−1: one search each per budget.", DefaultValueFactory = _ => 5 };
        var firstSeed = new Option<ulong>("--first-seed") { Description = "The first seed (seeds run from here).", DefaultValueFactory = _ => 0UL };
        var samples = new Option<string>("--samples", "-T") { Description = "Budgets T, comma-separated (e.g. 100,400).", DefaultValueFactory = _ => "100" };
        var output = new Option<string?>("--out", "-o") { Description = "Runs file (CSV): one row per search as it ends; rerunning the command resumes it." };
        var summaryFile = new Option<string?>("--summary") { Description = "Write the summary table to this file (.csv or .json)." };
        var json = new Option<bool>("--json") { Description = "Print the summary and runs as JSON instead of Markdown." };
        var command = new Command("study", "Run a search over seeds and budgets and report the paper's table.")
            { seeds, firstSeed, samples, output, summaryFile, json };
        search.AddTo(command);
        command.SetAction((parse, ct) => io.GuardAsync(async () =>
        {
            var budgets = ParseBudgets(parse.GetValue(samples)!);
            var count = parse.GetValue(seeds);
            if (count < 1) throw new NasiException($"--seeds must be at least 1 (got {count})");
            var first = parse.GetValue(firstSeed);
            var seedList = Enumerable.Range(0, count).Select(i => first + (ulong)i).ToList();
            var space = search.SearchSpace(parse);
            var options = search.Options(parse, budgets[0], first);
            var truthPath = search.TruthPath(parse, space);
            var settings = search.Settings(parse, space, options);

            io.Err.WriteLine(SessionFactory.ProviderLine(options.Runtime));
            io.Err.WriteLine($"study: {space.Name}, T = {string.Join(", ", budgets)}, seeds {first}..{first + (ulong)count - 1} ({settings})");
            using var log = parse.GetValue(output) is { } path ? StudyLog.Open(path, settings) : null;
            var runs = await SearchStudy.RunAsync(space, options, search.DataOptions(parse), budgets, seedList, log,
                truthPath is null ? null : () => Nb201Truth.Load(truthPath), new Progress(io), ct);
            var summary = StudySummary.Of(runs, budgets);

            if (parse.GetValue(summaryFile) is { } file) WriteSummary(file, summary, settings);
            if (parse.GetValue(json)) { io.Out.WriteLine(NasiJson.Serialize(new { settings, summary, runs })); return 0; }
            io.Out.Write(Markdown(summary, runs, settings, truthPath is not null));
            if (log is not null) io.Err.WriteLine($"runs: {Path.GetFullPath(log.Path)}");
            return 0;
        }));
        return command;
    }

    public static IReadOnlyList<int> ParseBudgets(string text)
    {
        var budgets = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(s => int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var t) && t >= 1
                ? t : throw new NasiException($"--samples '{text}': expected positive integers like 100,400"))
            .Distinct().ToList();
        return budgets.Count > 0 ? budgets : throw new NasiException("--samples: give at least one budget T");
    }

    /// <summary>The summary as a Markdown table, then every run's cell.</summary>
    public static string Markdown(IReadOnlyList<StudySummary> summary, IReadOnlyList<StudyRun> runs, string settings, bool truth)
    {
        var sb = new StringBuilder();
        sb.AppendLine($"Settings: {settings}").AppendLine();
        sb.AppendLine("| T | runs | CIFAR-10 | CIFAR-100 | ImageNet16-120 | search s | distinct cells |");
        sb.AppendLine("|---|---|---|---|---|---|---|");
        foreach (var s in summary)
            sb.AppendLine($"| {s.Samples} | {s.Runs} | {s.Cifar10} | {s.Cifar100} | {s.ImageNet16} | {s.MeanSeconds:F1} | {s.Architectures.Distinct().Count()} |");
        sb.AppendLine();
        sb.AppendLine(truth ? "| T | seed | cell | C10 | C100 | IN16 | s |" : "| T | seed | cell | s |");
        sb.AppendLine(truth ? "|---|---|---|---|---|---|---|" : "|---|---|---|---|");
        foreach (var r in runs)
            sb.AppendLine(truth
                ? $"| {r.Samples} | {r.Seed} | `{Escape(r.Architecture)}` | {r.Cifar10:F2} | {r.Cifar100:F2} | {r.ImageNet16:F2} | {r.Seconds:F1} |"
                : $"| {r.Samples} | {r.Seed} | `{Escape(r.Architecture)}` | {r.Seconds:F1} |");
        return sb.ToString();
    }

    /// <summary>A cell string's bars would split a Markdown table's columns.</summary>
    private static string Escape(string cell) => cell.Replace("|", "\\|");

    private static void WriteSummary(string path, IReadOnlyList<StudySummary> summary, string settings)
    {
        string F(double v) => double.IsNaN(v) ? "" : v.ToString("R", CultureInfo.InvariantCulture);
        var text = path.EndsWith(".json", StringComparison.OrdinalIgnoreCase)
            ? NasiJson.Serialize(new { settings, summary })
            : "samples,runs,cifar10_mean,cifar10_std,cifar100_mean,cifar100_std,imagenet16_120_mean,imagenet16_120_std,seconds_mean,architectures,settings\n" +
              string.Concat(summary.Select(s =>
                  $"{s.Samples},{s.Runs},{F(s.Cifar10.Mean)},{F(s.Cifar10.Std)},{F(s.Cifar100.Mean)},{F(s.Cifar100.Std)},{F(s.ImageNet16.Mean)},{F(s.ImageNet16.Std)},{F(s.MeanSeconds)},\"{string.Join(' ', s.Architectures)}\",\"{settings}\"\n"));
        try { File.WriteAllText(path, text); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new NasiException($"--summary {path}: cannot write ({e.Message})", e);
        }
    }

    /// <summary>One line per finished search, and the running search's sample count every tenth sample.</summary>
    private sealed class Progress(ConsoleIO io) : IProgress<StudyProgress>
    {
        public void Report(StudyProgress p)
        {
            if (p.Finished is { } r)
                io.Err.WriteLine($"[{p.Done}/{p.Total}] T={r.Samples} seed {r.Seed}: {r.Architecture}" +
                                 (double.IsNaN(r.Cifar10) ? "" : $"  C10 {r.Cifar10:F2} C100 {r.Cifar100:F2} IN16 {r.ImageNet16:F2}") + $"  ({r.Seconds:F0} s)");
            else if (p.Search is { } s && (s.Done % 10 == 0 || s.Done == s.Total))
                io.Err.WriteLine($"  T={p.Samples} seed {p.Seed}: sample {s.Done}/{s.Total} ({s.Elapsed.TotalSeconds:F0} s)");
        }
    }
}
