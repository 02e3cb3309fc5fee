using System.CommandLine;
using NasiOnnx.Engine;
using NasiOnnx.Engine.Evaluation;
using NasiOnnx.Models.Nb201;
using NasiOnnx.Tools.Cli;
using NasiOnnx.Tools.Output;

namespace NasiOnnx.Tools.Commands;

/// <summary>
/// <c>nasi evaluate --scores FILE --truth FILE</c>: rank correlation of scores with trained accuracy, joined by
/// NAS-Bench-201 cell string, with and without the cells that have no path from input to output.
/// </summary>
public static class EvaluateCommand
{
    public static Command Create(ConsoleIO io)
    {
        var scores = new Option<FileInfo[]>("--scores")
        {
            Description = "Scores CSV (from nasi rank): an id/arch column and metric columns; several files are joined by id (their cells in common).",
            Required = true,
            AllowMultipleArgumentsPerToken = true,
        };
        var truth = new Option<FileInfo>("--truth") { Description = "Ground-truth CSV with arch_str and accuracy columns.", Required = true };
        var metrics = new Option<string?>("--metric") { Description = "Score columns to evaluate, comma-separated (default: every numeric column but the bookkeeping ones)." };
        var accuracy = new Option<string?>("--accuracy") { Description = "Accuracy columns of the truth file (default: those ending in _test)." };
        var peers = new Option<string?>("--peers") { Description = "Truth-file score columns to compare with (default: params_m and naswot_score where present)." };
        var plot = new Option<FileInfo?>("--plot") { Description = "PNG: every score's Spearman per accuracy column (a scatter plot for a single score; default: next to the scores file)." };
        var exclude = new Option<FileInfo?>("--exclude")
        {
            Description = "Leave out the cells this file lists (e.g. the dev sample, to report on the rest of the space): a cell per line or a CSV with a cell column.",
        };
        var json = new Option<bool>("--json") { Description = "Print JSON instead of a table." };
        var command = new Command("evaluate", "Rank correlation (Spearman, Kendall) of scores with ground-truth accuracy.")
            { scores, truth, metrics, accuracy, peers, exclude, plot, json };
        command.SetAction(parse => io.Guard(() =>
        {
            var scoreTable = CsvTable.Merge(parse.GetValue(scores)!.Select(f => CsvTable.Read(f.FullName)).ToList(), "id", "arch", "arch_str");
            var truthTable = CsvTable.Read(parse.GetValue(truth)!.FullName);
            var excludedCount = 0;
            if (parse.GetValue(exclude) is { } excludeFile)
            {
                var excluded = CellList.Read(excludeFile).ToHashSet();
                var id = scoreTable.Require("id", "arch", "arch_str");
                var kept = scoreTable.Where(row => !(Nb201Cell.TryParse(row[id], out var cell, out _) && excluded.Contains(cell!)));
                excludedCount = scoreTable.Rows.Count - kept.Rows.Count;
                scoreTable = kept;
            }
            string[] bookkeeping = ["id", "arch", "arch_str", "index", "parameters", "seconds", "status", "input_shape", "provider", "scored_as"];
            var scoreColumns = Split(parse.GetValue(metrics))
                ?? scoreTable.NumericColumns().Where(c => !bookkeeping.Contains(c, StringComparer.OrdinalIgnoreCase)).ToList();
            var truthColumns = Split(parse.GetValue(accuracy))
                ?? truthTable.Columns.Where(c => c.EndsWith("_test", StringComparison.OrdinalIgnoreCase)).ToList();
            var peerColumns = Split(parse.GetValue(peers))
                ?? new[] { "params_m", "naswot_score" }.Where(c => truthTable.IndexOf(c) >= 0).ToList();
            if (scoreColumns.Count == 0) throw new NasiException($"{scoreTable.Source}: no numeric score column found; name one with --metric");
            if (truthColumns.Count == 0) throw new NasiException($"{truthTable.Source}: no accuracy column found; name them with --accuracy");

            var evaluation = ScoreEvaluation.Join(scoreTable, truthTable, scoreColumns.Concat(peerColumns).ToList(), truthColumns,
                id => Nb201Cell.TryParse(id, out var cell, out _) ? cell!.ToString() : null,
                id => Nb201Cell.Parse(id).IsConnected);
            var rows = evaluation.Correlations();

            var plotPath = parse.GetValue(plot)?.FullName ?? Path.ChangeExtension(parse.GetValue(scores)![0].FullName, null) + ".png";
            if (scoreColumns.Count == 1) ScatterPlot.Save(evaluation, scoreColumns[0], truthColumns[0], plotPath);
            else CorrelationPlot.Save(rows, $"{evaluation.Rows.Count} cells of {Path.GetFileName(truthTable.Source)}", plotPath);
            List<string> plots = [plotPath];

            if (parse.GetValue(json))
            {
                io.Out.WriteLine(NasiJson.Serialize(new { matched = evaluation.Rows.Count, unmatched = evaluation.UnmatchedScores, excluded = excludedCount, correlations = rows, plots }));
                return 0;
            }
            io.Out.WriteLine($"{evaluation.Rows.Count} scored cells matched ({evaluation.Rows.Count(r => r.Kept)} connected), {evaluation.UnmatchedScores} unmatched"
                + (parse.GetValue(exclude) is null ? "" : $", {excludedCount} excluded"));
            io.Out.WriteLine($"{"score",-16}{"accuracy",-22}{"n",6}{"spearman",10}{"kendall",10}{"n conn",8}{"spearman",10}{"kendall",10}");
            foreach (var r in rows.OrderBy(r => truthColumns.IndexOf(r.Truth)))
                io.Out.WriteLine($"{r.Score,-16}{r.Truth,-22}{r.Count,6}{r.Spearman,10:F3}{r.Kendall,10:F3}{r.ConnectedCount,8}{r.SpearmanConnected,10:F3}{r.KendallConnected,10:F3}");
            foreach (var p in plots) io.Out.WriteLine($"plot: {p}");
            return 0;
        }));
        return command;
    }

    private static List<string>? Split(string? text) =>
        string.IsNullOrWhiteSpace(text) ? null : text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
}
