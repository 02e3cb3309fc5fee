using System.CommandLine;
using System.Globalization;
using NasiOnnx.Engine;
using NasiOnnx.Engine.Costs;
using NasiOnnx.Engine.Evaluation;
using NasiOnnx.Engine.Ranking;
using NasiOnnx.Engine.Scoring;
using NasiOnnx.Models.Api;
using NasiOnnx.Models.Nb201;
using NasiOnnx.Tools.Cli;
using NasiOnnx.Tools.Output;

namespace NasiOnnx.Tools.Commands;

/// <summary>
/// <c>nasi pareto</c>: the cells no other cell beats on both a metric (higher) and a cost (lower), from scores it
/// computes (<c>--sample</c>, <c>--all</c>) or reads (<c>--scores</c>, a <c>nasi rank</c> CSV). The truth table, when
/// given, is opened only once the front has been written: then the found front is compared with the true one in
/// CIFAR-10 accuracy (hypervolume ratio, PNG).
/// </summary>
public static class ParetoCommand
{
    public static Command Create(ConsoleIO io)
    {
        var net = new NetworkOptions();
        var scoring = new ScoringCliOptions();
        var space = new Option<string>("--space") { Description = "Search space: nb201.", DefaultValueFactory = _ => "nb201" };
        var cost = new Option<string>("--cost") { Description = "params or flops (multiply-accumulates).", DefaultValueFactory = _ => "params" };
        var scores = new Option<FileInfo?>("--scores") { Description = "Read the metric from this nasi rank CSV (an id column and the metric's) instead of scoring." };
        var sample = new Option<int?>("--sample") { Description = "Score this many cells drawn uniformly (seeded by --seed)." };
        var all = new Option<bool>("--all") { Description = "Score all 15,625 cells." };
        var unique = new Option<bool>("--unique") { Description = "Score one cell per isomorphism class and give every cell its class's score." };
        var workers = new Option<int>("--workers") { Description = "Cells scored in parallel.", DefaultValueFactory = _ => Environment.ProcessorCount };
        var output = new Option<string>("--out", "-o") { Description = "The front, as .csv or .json.", DefaultValueFactory = _ => "pareto.csv" };
        var truth = new Option<FileInfo?>("--truth") { Description = "NAS-Bench-201 accuracy table, read after the front is written: hypervolume ratio (CIFAR-10 accuracy vs the cost) and a PNG." };
        var plot = new Option<string?>("--plot") { Description = "The PNG with --truth (default: --out with .png)." };
        var command = new Command("pareto", "Write the cells on the (metric, cost) Pareto front of NAS-Bench-201.")
            { space, cost, scores, sample, all, unique, workers, output, truth, plot };
        net.AddTo(command);
        scoring.AddTo(command);
        command.SetAction((parse, ct) => io.GuardAsync(async () =>
        {
            if (!parse.GetValue(space)!.Equals("nb201", StringComparison.OrdinalIgnoreCase))
                throw new NasiException($"--space '{parse.GetValue(space)}': pareto supports nb201");
            var costKind = CostConstraint.ParseCost(parse.GetValue(cost)!);
            if (costKind == CostKind.LatencyMs) throw new NasiException("--cost latency_ms: latency fronts need the latency meter, which is not in this build yet; use params or flops");
            var truthFile = parse.GetValue(truth);
            if (truthFile is { Exists: false }) throw new NasiException($"--truth {truthFile.FullName}: no such file");
            var network = net.Network(parse);
            var metric = parse.GetValue(scoring.Metric)!;
            var path = parse.GetValue(output)!;

            var scored = parse.GetValue(scores) is { } file
                ? Read(file.FullName, metric)
                : await Score(parse, net, scoring, network, parse.GetValue(sample), parse.GetValue(all), parse.GetValue(unique), parse.GetValue(workers), io, ct);
            double Cost(Nb201Cell c) => costKind == CostKind.Params ? Nb201Network.ParameterCount(c, network) : Nb201Network.MacCount(c, network);
            var points = scored.Select(s => new ParetoPoint(s.Cell.ToString(), s.Score, Cost(s.Cell))).ToList();
            var front = ParetoFront.Of(points);
            var costName = CostConstraint.Name(costKind);
            Write(path, front, metric, costName, null);
            io.Err.WriteLine($"front: {front.Count} of {points.Count} cells on ({metric}, {costName}), written to {Path.GetFullPath(path)}");
            if (truthFile is null) return 0;

            // The front has been written: only now is the truth table opened.
            var table = Nb201Truth.Load(truthFile.FullName);
            var accuracy = front.ToDictionary(p => p.Id, p => table.Lookup(p.Id).Cifar10);
            Write(path, front, metric, costName, accuracy);
            // The true front over the cells the table lists (all 15,625 for NAS-Bench-201's table).
            var everyCell = Nb201Cell.All().Where(table.Contains).Select(c => new ParetoPoint(c.ToString(), table.Lookup(c.ToString()).Cifar10, Cost(c))).ToList();
            var trueFront = ParetoFront.Of(everyCell);
            var found = front.Select(p => p with { Score = accuracy[p.Id] }).ToList();
            var referenceCost = everyCell.Max(p => p.Cost);
            var lowest = everyCell.Min(p => p.Score);
            double Ratio(double reference) => ParetoFront.Hypervolume(found, referenceCost, reference) / ParetoFront.Hypervolume(trueFront, referenceCost, reference);
            var (strict, fromZero) = (Ratio(lowest), Ratio(0));
            var png = parse.GetValue(plot) ?? Path.ChangeExtension(path, ".png");
            ParetoPlot.Save(everyCell, trueFront, found, metric, costName, strict, png);
            io.Out.WriteLine($"hypervolume ratio (CIFAR-10 accuracy vs {costName}, reference {costName} {referenceCost:G}): " +
                             $"{strict:P2} from the lowest accuracy ({lowest:F2}), {fromZero:P2} from 0");
            io.Out.WriteLine($"found front {front.Count} cells, true front {trueFront.Count} cells; plot {Path.GetFullPath(png)}");
            return 0;
        }));
        return command;
    }

    private static List<(Nb201Cell Cell, double Score)> Read(string path, string metric)
    {
        var table = CsvTable.Read(path);
        var id = table.Require("id");
        var column = table.IndexOf(metric);
        if (column < 0) throw new NasiException($"{path}: no column '{metric}' (columns: {string.Join(", ", table.Columns)})");
        var status = table.IndexOf("status");
        var rows = new List<(Nb201Cell, double)>();
        for (var r = 0; r < table.Rows.Count; r++)
        {
            var row = table.Rows[r];
            if (status >= 0 && row[status] != ScoreRow.Ok) continue;
            if (!Nb201Cell.TryParse(row[id], out var cell, out var error)) throw new NasiException($"{path}, line {r + 2}: {error}");
            rows.Add((cell!, CsvTable.Number(row[column])));
        }
        if (rows.Count == 0) throw new NasiException($"{path}: no scored rows");
        return rows;
    }

    private static async Task<List<(Nb201Cell Cell, double Score)>> Score(System.CommandLine.ParseResult parse, NetworkOptions net, ScoringCliOptions scoring,
        Nb201NetworkOptions network, int? sample, bool all, bool unique, int workers, ConsoleIO io, CancellationToken ct)
    {
        var seed = parse.GetValue(net.Seed);
        var options = scoring.Build(parse, seed);
        var chosen = RankCommand.Cells(sample, null, all, seed, new HashSet<Nb201Cell>());
        var sources = unique
            ? Nb201Isomorphism.ClassesOf(chosen).Select(c => ModelSource.Nb201Class(c, network)).ToList()
            : chosen.Select(c => ModelSource.Nb201(c, network)).ToList();
        var column = new ModelScorer(options).Metrics[0];
        IReadOnlyList<ScoreRow> rows;
        using (var progress = new ProgressDisplay(io.Err, io.Interactive, "scoring", column))
            rows = await Nasi.RankAsync(sources, options, new RankingOptions { Workers = Math.Max(1, workers) }, null, progress, ct);
        return rows.Where(r => r.Status == ScoreRow.Ok).Select(r => (Nb201Cell.Parse(r.Id), r.Metric(column))).ToList();
    }

    private static void Write(string path, IReadOnlyList<ParetoPoint> front, string metric, string cost, IReadOnlyDictionary<string, double>? accuracy)
    {
        if (path.EndsWith(".json", StringComparison.OrdinalIgnoreCase))
        {
            File.WriteAllText(path, NasiJson.Serialize(front.Select(p => new { id = p.Id, metric, score = p.Score, cost, value = p.Cost, cifar10 = accuracy?[p.Id] })) + "\n");
            return;
        }
        using var w = new StreamWriter(path);
        w.WriteLine($"id,{metric},{cost}{(accuracy is null ? "" : ",cifar10_test")}");
        foreach (var p in front)
            w.WriteLine(string.Join(',', $"\"{p.Id}\"", p.Score.ToString("R", CultureInfo.InvariantCulture), p.Cost.ToString("R", CultureInfo.InvariantCulture))
                        + (accuracy is null ? "" : "," + accuracy[p.Id].ToString("R", CultureInfo.InvariantCulture)));
    }
}
