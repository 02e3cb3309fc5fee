using System.CommandLine;
using System.Globalization;
using NasiOnnx.Engine;
using NasiOnnx.Engine.Init;
using NasiOnnx.Engine.Ranking;
using NasiOnnx.Engine.Scoring;
using NasiOnnx.Models.Api;
using NasiOnnx.Models.Nb201;
using NasiOnnx.Tools.Cli;
using NasiOnnx.Tools.Output;

namespace NasiOnnx.Tools.Commands;

/// <summary>
/// <c>nasi rank --space nb201</c>: scores many cells (uniform samples, a list, or all 15,625) in parallel, writes
/// every score as it goes (resumable), and prints the top k.
/// </summary>
public static class RankCommand
{
    public static Command Create(ConsoleIO io)
    {
        var net = new NetworkOptions();
        var scoring = new ScoringCliOptions();
        var space = new Option<string>("--space") { Description = "Search space: nb201.", DefaultValueFactory = _ => "nb201" };
        var sample = new Option<int?>("--sample") { Description = "Score this many cells drawn uniformly (seeded by --seed)." };
        var cells = new Option<FileInfo?>("--cells") { Description = "A file of cell strings, one per line (or a CSV with an arch_str column)." };
        var all = new Option<bool>("--all") { Description = "Score all 15,625 cells." };
        var retry = new Option<bool>("--retry-errors")
        {
            Description = "Score again the cells whose rows in the --out file are errors (the file is rewritten without them first; otherwise a resumed run keeps them as finished).",
        };
        var exclude = new Option<FileInfo?>("--exclude") { Description = "Leave out the cells listed in this file (e.g. the dev sample, to draw a report sample from the rest)." };
        var budget = new Option<string?>("--budget") { Description = "Stop after this many cells (e.g. 500) or this much time (e.g. 90s, 20m, 2h)." };
        var output = new Option<string?>("--out", "-o") { Description = "Results file (.csv or .jsonl); rerunning the command resumes it." };
        var workers = new Option<int>("--workers") { Description = "Cells scored in parallel.", DefaultValueFactory = _ => Environment.ProcessorCount };
        var top = new Option<int>("--top", "-k") { Description = "Keep and print the top k.", DefaultValueFactory = _ => 10 };
        var json = new Option<bool>("--json") { Description = "Print the top k as JSON." };
        var unique = new Option<bool>("--unique")
        {
            Description = "Score one cell per isomorphism class (the member with the smallest cell string) and give every chosen cell its class's row; column scored_as names the cell scored.",
        };
        var shard = new Option<string>("--shard") { Description = "Score the k-th of n deterministic slices of the cells (of the classes with --unique), as k/n.", DefaultValueFactory = _ => "1/1" };
        var command = new Command("rank", "Score many NAS-Bench-201 cells with a metric and keep the top k.")
            { space, sample, cells, all, exclude, unique, shard, budget, output, retry, workers, top, json };
        net.AddTo(command);
        scoring.AddTo(command);
        command.SetAction((parse, ct) => io.GuardAsync(async () =>
        {
            if (!parse.GetValue(space)!.Equals("nb201", StringComparison.OrdinalIgnoreCase))
                throw new NasiException($"--space '{parse.GetValue(space)}': rank supports nb201 (DARTS genotypes are scored as .onnx files with nasi score)");
            var seed = parse.GetValue(net.Seed);
            var networkOptions = net.Network(parse);
            var options = scoring.Build(parse, seed);
            var excluded = parse.GetValue(exclude) is { } ex ? CellList.Read(ex).ToHashSet() : [];
            var chosen = Cells(parse.GetValue(sample), parse.GetValue(cells), parse.GetValue(all), seed, excluded);
            var slice = Shard.Parse(parse.GetValue(shard)!);
            var sources = slice.Select(parse.GetValue(unique)
                ? Nb201Isomorphism.ClassesOf(chosen).Select(c => ModelSource.Nb201Class(c, networkOptions))
                : chosen.Select(c => ModelSource.Nb201(c, networkOptions)), s => s.Id);
            var cellCount = sources.Sum(s => Math.Max(1, s.Members.Count));
            var (count, time) = ParseBudget(parse.GetValue(budget));
            var columns = new ModelScorer(options).Metrics; // validates the metric options too

            io.Err.WriteLine(Engine.Runtime.SessionFactory.ProviderLine(options.Runtime));
            var path = parse.GetValue(output);
            if (parse.GetValue(retry))
            {
                if (path is null) throw new NasiException("--retry-errors needs the --out file whose error rows to score again");
                io.Err.WriteLine($"{path}: {ResultLog.DropErrorRows(path)} error rows dropped, to be scored again");
            }
            IReadOnlyList<ScoreRow> rows;
            using (var progress = new ProgressDisplay(io.Err, io.Interactive, "ranking", columns[0]))
                rows = await Nasi.RankAsync(sources, options,
                    new RankingOptions { Workers = Math.Max(1, parse.GetValue(workers)), BudgetCount = count, BudgetTime = time }, path, progress, ct);
            var k = parse.GetValue(top);
            if (parse.GetValue(json))
                io.Out.WriteLine(NasiJson.Serialize(RankingRunner.Ranked(rows, columns[0]).Take(k)));
            else
                RankTable.Print(io.Out, rows, columns, k);
            if (path is not null)
                io.Err.WriteLine(parse.GetValue(unique)
                    ? $"results: {Path.GetFullPath(path)} ({rows.Count} rows for {cellCount} cells in {sources.Count} isomorphism classes)"
                    : $"results: {Path.GetFullPath(path)} ({rows.Count} of {sources.Count} cells scored)");
            return 0;
        }));
        return command;
    }

    internal static IReadOnlyList<Nb201Cell> Cells(int? sample, FileInfo? list, bool all, ulong seed, IReadOnlySet<Nb201Cell> excluded)
    {
        var given = (sample is not null ? 1 : 0) + (list is not null ? 1 : 0) + (all ? 1 : 0);
        if (given != 1) throw new NasiException("choose the cells with exactly one of --sample N, --cells FILE or --all");
        if (all) return Nb201Cell.All().Where(c => !excluded.Contains(c)).ToList();
        if (sample is { } n)
        {
            var size = Nb201Cell.SpaceSize - excluded.Count;
            if (n < 1 || n > size) throw new NasiException($"--sample {n}: expected 1..{size}");
            // A seeded partial Fisher–Yates shuffle: the first n of a uniform random permutation (of the cells not excluded).
            var space = Nb201Cell.All().Where(c => !excluded.Contains(c)).ToArray();
            var rng = Rng.For(seed, "rank/sample");
            for (var i = 0; i < n; i++)
            {
                var j = i + rng.NextInt(space.Length - i);
                (space[i], space[j]) = (space[j], space[i]);
            }
            return space[..n];
        }
        return CellList.Read(list!).Where(c => !excluded.Contains(c)).ToList();
    }

    public static (int? Count, TimeSpan? Time) ParseBudget(string? text)
    {
        if (text is null) return (null, null);
        var t = text.Trim().ToLowerInvariant();
        double Number(string s) => double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && v > 0
            ? v : throw new NasiException($"--budget '{text}': expected a cell count (500) or a time (90s, 20m, 2h)");
        return t[^1] switch
        {
            's' => (null, TimeSpan.FromSeconds(Number(t[..^1]))),
            'm' => (null, TimeSpan.FromMinutes(Number(t[..^1]))),
            'h' => (null, TimeSpan.FromHours(Number(t[..^1]))),
            _ => int.TryParse(t, out var n) && n > 0 ? (n, null) : throw new NasiException($"--budget '{text}': expected a cell count (500) or a time (90s, 20m, 2h)"),
        };
    }
}
