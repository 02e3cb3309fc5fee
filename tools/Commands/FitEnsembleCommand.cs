using System.CommandLine;
using NasiOnnx.Engine;
using NasiOnnx.Engine.Evaluation;
using NasiOnnx.Engine.Proxies;
using NasiOnnx.Models.Nb201;
using NasiOnnx.Tools.Cli;

namespace NasiOnnx.Tools.Commands;

/// <summary>
/// <c>nasi fit-ensemble --scores DEV_SCORES --truth ../shared/nb201/dev_sample_1000.csv --out
/// engine/Proxies/EnsembleCoefficients.cs</c>: fits the <c>ensemble</c> metric (<see cref="EnsembleFit"/>) on the dev
/// sample and writes the C# file that freezes it. Fit on the dev sample only: the rest of the space is for reporting.
/// </summary>
public static class FitEnsembleCommand
{
    private static readonly string[] NotCandidates =
        ["id", "arch", "arch_str", "index", "parameters", "seconds", "status", "input_shape", "provider", "loss", "objective", "ensemble", "ntk_se"];

    public static Command Create(ConsoleIO io)
    {
        var scores = new Option<FileInfo[]>("--scores") { Description = "Scores of the dev cells (nasi rank --metric all); several files are joined by id.", Required = true, AllowMultipleArgumentsPerToken = true };
        var truth = new Option<FileInfo>("--truth") { Description = "The dev sample's ground truth (../shared/nb201/dev_sample_1000.csv): fit on nothing else.", Required = true };
        var accuracy = new Option<string?>("--accuracy") { Description = "Accuracy columns to fit to (default: those ending in _test)." };
        var candidates = new Option<string?>("--candidates") { Description = "Score columns the ensemble may use (default: every proxy column)." };
        var output = new Option<FileInfo?>("--out", "-o") { Description = "Write the C# source of EnsembleCoefficients here (default: print it)." };
        var command = new Command("fit-ensemble", "Fit the ensemble metric on the dev sample and write the code that freezes it.")
            { scores, truth, accuracy, candidates, output };
        command.SetAction(parse => io.Guard(() =>
        {
            var scoreTable = CsvTable.Merge(parse.GetValue(scores)!.Select(f => CsvTable.Read(f.FullName)).ToList(), "id", "arch", "arch_str");
            var truthTable = CsvTable.Read(parse.GetValue(truth)!.FullName);
            var columns = Split(parse.GetValue(candidates))
                ?? scoreTable.NumericColumns().Where(c => !NotCandidates.Contains(c, StringComparer.OrdinalIgnoreCase)).ToList();
            var truths = Split(parse.GetValue(accuracy))
                ?? truthTable.Columns.Where(c => c.EndsWith("_test", StringComparison.OrdinalIgnoreCase)).ToList();
            if (columns.Count == 0) throw new NasiException($"{scoreTable.Source}: no proxy column to fit on");
            if (truths.Count == 0) throw new NasiException($"{truthTable.Source}: no accuracy column found; name them with --accuracy");
            var evaluation = ScoreEvaluation.Join(scoreTable, truthTable, columns, truths,
                id => Nb201Cell.TryParse(id, out var cell, out _) ? cell!.ToString() : null, _ => true);
            var rows = evaluation.Rows.Where(r => truths.All(t => double.IsFinite(r.Truths[t]))).ToList();

            static string Relative(string path) => Path.GetRelativePath(Environment.CurrentDirectory, path);
            var command = $"nasi fit-ensemble --scores {string.Join(" ", parse.GetValue(scores)!.Select(f => Relative(f.FullName)))} --truth {Relative(truthTable.Source)}";
            var model = EnsembleFit.Fit(columns.ToDictionary(c => c, c => rows.Select(r => r.Scores[c]).ToArray()),
                truths.Select(t => rows.Select(r => r.Truths[t]).ToArray()).ToList(),
                $"fitted on {rows.Count} cells of {Path.GetFileName(truthTable.Source)}");
            io.Err.WriteLine($"ensemble = {model}");
            io.Err.WriteLine(model.Fit);
            var source = EnsembleFit.Source(model, command);
            if (parse.GetValue(output) is { } file)
            {
                File.WriteAllText(file.FullName, source);
                io.Err.WriteLine($"written: {file.FullName} (rebuild to use it)");
            }
            else io.Out.Write(source);
            return 0;
        }));
        return command;
    }

    private static List<string>? Split(string? text) =>
        string.IsNullOrWhiteSpace(text) ? null : text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
}
