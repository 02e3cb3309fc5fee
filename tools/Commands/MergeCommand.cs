using System.CommandLine;
using NasiOnnx.Engine;
using NasiOnnx.Engine.Ranking;
using NasiOnnx.Tools.Cli;
using NasiOnnx.Tools.Output;

namespace NasiOnnx.Tools.Commands;

/// <summary>
/// <c>nasi merge a.csv b.csv … -o all.csv</c>: joins the result files of shards (<c>--shard k/n</c>) into one
/// ranked table. A candidate scored in several files keeps its successful row.
/// </summary>
public static class MergeCommand
{
    public static Command Create(ConsoleIO io)
    {
        var inputs = new Argument<string[]>("results") { Description = "Result files of nasi score/rank (.csv or .jsonl).", Arity = ArgumentArity.OneOrMore };
        var output = new Option<string?>("--out", "-o") { Description = "Write the merged rows here (.csv or .jsonl)." };
        var top = new Option<int>("--top") { Description = "Rows of the ranked table.", DefaultValueFactory = _ => 20 };
        var json = new Option<bool>("--json") { Description = "Print the merged, ranked rows as JSON." };
        var command = new Command("merge", "Join shard result files into one ranked table.") { inputs, output, top, json };
        command.SetAction(parse => io.Guard(() =>
        {
            IReadOnlyList<string>? metrics = null;
            var byId = new Dictionary<string, ScoreRow>(StringComparer.Ordinal);
            foreach (var path in parse.GetValue(inputs)!)
            {
                var (columns, rows) = ResultLog.Read(path);
                if (metrics is null) metrics = columns;
                else if (!metrics.SequenceEqual(columns))
                    throw new NasiException($"{path}: its metrics ({string.Join(",", columns)}) differ from the first file's ({string.Join(",", metrics)})");
                foreach (var row in rows)
                    if (!byId.TryGetValue(row.Id, out var kept) || (!kept.IsOk && row.IsOk)) byId[row.Id] = row;
            }
            if (metrics is null || metrics.Count == 0) throw new NasiException("the result files name no metric");
            var merged = byId.Values.OrderBy(r => r.Id, StringComparer.Ordinal).ToList();
            if (parse.GetValue(output) is { } outPath)
            {
                if (File.Exists(outPath)) throw new NasiException($"{outPath}: exists; merge writes a new file");
                using var log = ResultLog.Open(outPath, metrics, scoredAs: merged.Any(r => r.ScoredAs.Length > 0));
                foreach (var row in RankingRunner.Ranked(merged, metrics[0]).Concat(merged.Where(r => !r.IsOk || double.IsNaN(r.Metric(metrics[0])))))
                    log.Append(row);
                io.Err.WriteLine($"wrote {Path.GetFullPath(outPath)}: {merged.Count} rows");
            }
            if (parse.GetValue(json)) io.Out.WriteLine(NasiJson.Serialize(RankingRunner.Ranked(merged, metrics[0])));
            else RankTable.Print(io.Out, merged, metrics, parse.GetValue(top));
            return 0;
        }));
        return command;
    }
}
