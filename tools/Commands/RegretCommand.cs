using System.CommandLine;
using System.Globalization;
using System.Text;
using NasiOnnx.Engine;
using NasiOnnx.Engine.Evaluation;
using NasiOnnx.Models.Nb201;
using NasiOnnx.Tools.Cli;

namespace NasiOnnx.Tools.Commands;

/// <summary>
/// <c>nasi regret --scores SCAN… --truth nb201_all.csv --cost params --metrics ensemble,nasi</c>: from scans that are
/// already written, the regret under cost budgets (quantiles of the live cells' costs, read from the scan's own cost
/// column, not from the truth) of each metric's first pick, next to the most-costly-cell and random-cell baselines
/// (<see cref="BudgetRegret"/>). The truth is read after every score is fixed; <c>--exclude</c> leaves out cells (the
/// dev sample, to report on the rest).
/// </summary>
public static class RegretCommand
{
    public static Command Create(ConsoleIO io)
    {
        var scores = new Option<FileInfo[]>("--scores") { Description = "Whole-space scans (nasi rank output); several are joined by id.", Required = true, AllowMultipleArgumentsPerToken = true };
        var truth = new Option<FileInfo>("--truth") { Description = "The accuracy table (../shared/nb201/nb201_all.csv).", Required = true };
        var cost = new Option<string>("--cost") { Description = "The budgeted cost column: params or flops.", DefaultValueFactory = _ => "params" };
        var quantiles = new Option<string>("--quantiles") { Description = "Budgets as quantiles of the live cells' costs.", DefaultValueFactory = _ => "0.1,0.25,0.5,0.75,0.9" };
        var metrics = new Option<string>("--metrics") { Description = "Score columns to rank by (higher is better), comma-separated.", DefaultValueFactory = _ => "ensemble" };
        var exclude = new Option<FileInfo?>("--exclude") { Description = "A table whose cells (arch_str or id) are left out, e.g. the dev sample." };
        var truthCost = new Option<bool>("--truth-cost") { Description = "Read the cost from the truth table (NAS-Bench-201's own params count, as issue 24's table did) instead of the scan." };
        var json = new Option<bool>("--json") { Description = "Print JSON instead of Markdown." };
        var command = new Command("regret", "Regret under cost budgets of each metric's first pick, from committed scans.")
            { scores, truth, cost, quantiles, metrics, exclude, truthCost, json };
        command.SetAction(parse => io.Guard(() =>
        {
            var table = CsvTable.Merge(parse.GetValue(scores)!.Select(f => Read(f, "--scores")).ToList(), "id", "arch", "arch_str");
            var costName = parse.GetValue(cost)!.Trim().ToLowerInvariant();
            if (costName is not ("params" or "flops")) throw new NasiException($"--cost '{costName}': expected params or flops");
            var qs = ParseQuantiles(parse.GetValue(quantiles)!);
            var names = parse.GetValue(metrics)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
            if (names.Count == 0) throw new NasiException("--metrics: name at least one score column");
            var left = parse.GetValue(exclude) is { } ex ? Ids(Read(ex, "--exclude")) : [];

            var id = table.Require("id", "arch", "arch_str");
            var accuracy = Nb201Truth.Load(parse.GetValue(truth)!.FullName); // accuracies are looked up only after every pick is fixed
            var truthCosts = parse.GetValue(truthCost) ? TruthCosts(parse.GetValue(truth)!, costName) : null;
            var costColumn = truthCosts is null ? table.Require(costName) : -1;
            var columns = names.Select(n => table.IndexOf(n) is var i and >= 0 ? i
                : throw new NasiException($"--metrics: {table.Source} has no column '{n}'")).ToList();
            var rows = new List<(string Cell, double Cost, double[] Scores)>();
            foreach (var row in table.Rows)
            {
                if (!Nb201Cell.TryParse(row[id], out var cell, out var error)) throw new NasiException($"{table.Source}: {error}");
                if (!cell!.IsConnected || left.Contains(cell.ToString())) continue; // live cells only
                var c = truthCosts is null ? CsvTable.Number(row[costColumn]) : truthCosts.GetValueOrDefault(cell.ToString(), double.NaN);
                if (!double.IsFinite(c)) throw new NasiException($"{(truthCosts is null ? table.Source : parse.GetValue(truth)!.FullName)}: {cell}: {costName} is not a number");
                rows.Add((cell.ToString(), c, columns.Select(i => CsvTable.Number(row[i])).ToArray()));
            }
            if (rows.Count == 0) throw new NasiException($"{table.Source}: no live cell left to study");
            var budgets = BudgetRegret.Budgets(rows.Select(r => r.Cost), qs);

            var acc = rows.Select(r => accuracy.Lookup(r.Cell)).Select(a => (IReadOnlyList<double>)[a.Cifar10, a.Cifar100, a.ImageNet16]).ToList();
            var lines = new List<RegretLine>();
            for (var b = 0; b < budgets.Length; b++)
            {
                var cells = rows.Select((r, i) => new BudgetedCell(r.Cell, r.Cost, double.NaN, acc[i])).ToList();
                var feasible = BudgetRegret.Feasible(cells, budgets[b]);
                var best = BudgetRegret.Best(feasible);
                var picks = names.Select((n, m) =>
                {
                    var scored = rows.Select((r, i) => new BudgetedCell(r.Cell, r.Cost, r.Scores[m], acc[i])).ToList();
                    return BudgetRegret.Regret(best, BudgetRegret.FirstPick(BudgetRegret.Feasible(scored, budgets[b])));
                }).ToList();
                lines.Add(new RegretLine(qs[b], budgets[b], feasible.Count, best, names.Zip(picks).ToDictionary(p => p.First, p => p.Second),
                    BudgetRegret.Regret(best, BudgetRegret.MostCostly(feasible)), BudgetRegret.Regret(best, BudgetRegret.Random(feasible))));
            }
            if (parse.GetValue(json)) { io.Out.WriteLine(NasiJson.Serialize(new { cost = costName, cells = rows.Count, lines })); return 0; }
            io.Out.Write(Markdown(costName, rows.Count, names, lines));
            return 0;
        }));
        return command;
    }

    /// <summary>One budget's row: the best cell that fits and every rule's regret (C10, C100, IN16).</summary>
    public sealed record RegretLine(double Quantile, double Budget, int Feasible, double[] Best,
        IReadOnlyDictionary<string, double[]> Metrics, double[] MostCostly, double[] Random);

    public static string Markdown(string cost, int cells, IReadOnlyList<string> metrics, IReadOnlyList<RegretLine> lines)
    {
        var sb = new StringBuilder();
        sb.AppendLine($"Regret (C10 / C100 / IN16, accuracy points) under {cost} budgets over {cells:N0} live cells.").AppendLine();
        sb.AppendLine($"| budget (quantile, {cost}) | cells that fit | best cell that fits | {string.Join(" | ", metrics.Select(m => $"`{m}`'s first"))} | most {cost} under B | random feasible cell |");
        sb.AppendLine($"|---|---|---|{string.Concat(metrics.Select(_ => "---|"))}---|---|");
        foreach (var l in lines)
            sb.AppendLine($"| {l.Quantile * 100:0.#} %, {l.Budget.ToString("N0", CultureInfo.InvariantCulture)} | {l.Feasible:N0} | {Triple(l.Best)} | " +
                          $"{string.Join(" | ", metrics.Select(m => Triple(l.Metrics[m])))} | {Triple(l.MostCostly)} | {Triple(l.Random)} |");
        return sb.ToString();
    }

    public static string Triple(double[] v) => string.Join(" / ", v.Select(x => x.ToString("F2", CultureInfo.InvariantCulture)));

    public static IReadOnlyList<double> ParseQuantiles(string text)
    {
        var qs = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(s => double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var q) && q is >= 0 and <= 1
                ? q : throw new NasiException($"quantiles '{text}': '{s}' is not a number in [0, 1]")).ToList();
        return qs.Count > 0 ? qs : throw new NasiException($"quantiles '{text}': give at least one, e.g. 0.1,0.5,0.9");
    }

    private static CsvTable Read(FileInfo file, string option) =>
        file.Exists ? CsvTable.Read(file.FullName) : throw new NasiException($"{option} {file.FullName}: no such file");

    private static Dictionary<string, double> TruthCosts(FileInfo file, string cost)
    {
        var table = CsvTable.Read(file.FullName);
        var id = table.Require("arch_str");
        var column = table.Require(cost);
        return table.Rows.Where(r => Nb201Cell.TryParse(r[id], out _, out _))
            .ToDictionary(r => Nb201Cell.Parse(r[id]).ToString(), r => CsvTable.Number(r[column]), StringComparer.Ordinal);
    }

    private static HashSet<string> Ids(CsvTable table)
    {
        var id = table.Require("arch_str", "id", "arch");
        return table.Rows.Select(r => Nb201Cell.TryParse(r[id], out var c, out _) ? c!.ToString()
            : throw new NasiException($"{table.Source}: '{r[id]}' is not a cell string")).ToHashSet(StringComparer.Ordinal);
    }
}
