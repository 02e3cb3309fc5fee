using System.CommandLine;
using NasiOnnx.Engine;
using NasiOnnx.Engine.Graphs;
using NasiOnnx.Engine.Ranking;
using NasiOnnx.Engine.Scoring;
using NasiOnnx.Models.Api;
using NasiOnnx.Tools.Cli;
using NasiOnnx.Tools.Output;

namespace NasiOnnx.Tools.Commands;

/// <summary>
/// <c>nasi score</c>: the NASI score (and other metrics) of a NAS-Bench-201 cell or of ONNX files. One model gives
/// a report; many (files, folders, globs, a list) are scored in parallel into a resumable CSV/JSON-lines file and
/// a ranked table.
/// </summary>
public static class ScoreCommand
{
    public static Command Create(ConsoleIO io)
    {
        var net = new NetworkOptions();
        var scoring = new ScoringCliOptions();
        var models = new Argument<string[]>("models") { Description = "ONNX files, folders or globs.", Arity = ArgumentArity.ZeroOrMore };
        var list = new Option<string?>("--list") { Description = "A file listing models, one path per line." };
        var output = new Option<string?>("--out", "-o") { Description = "Results file (.csv, or .jsonl for JSON lines); rerunning the command resumes it." };
        var shard = new Option<string>("--shard") { Description = "Score the k-th of n deterministic slices of the inputs, as k/n.", DefaultValueFactory = _ => "1/1" };
        var workers = new Option<int>("--workers") { Description = "Models scored in parallel (default: one per core).", DefaultValueFactory = _ => Environment.ProcessorCount };
        var inputShape = new Option<string?>("--input-shape") { Description = "Sample shape for symbolic input dimensions, e.g. 3,32,32." };
        var maxParams = new Option<long?>("--max-params") { Description = "Refuse models with more parameters." };
        var maxMemory = new Option<long?>("--max-memory") { Description = "Refuse models estimated to need more MiB." };
        var top = new Option<int>("--top") { Description = "Rows of the ranked table.", DefaultValueFactory = _ => 20 };
        var json = new Option<bool>("--json") { Description = "Print JSON." };

        var command = new Command("score", "NASI score S = ‖∇θ mean CE‖² (and the NTK trace) of a NAS-Bench-201 cell or ONNX models.")
            { models, list, output, shard, workers, inputShape, maxParams, maxMemory, top, json };
        net.AddTo(command);
        scoring.AddTo(command);
        command.SetAction((parse, ct) => io.GuardAsync(async () =>
        {
            var files = InputFiles.Expand(parse.GetValue(models) ?? [], parse.GetValue(list));
            var arch = parse.GetValue(net.Arch);
            if (files.Count == 0 && arch is null) throw new NasiException("nothing to score: give .onnx files or folders, --list, or --arch CELL|default");
            if (files.Count > 0 && arch is not null) throw new NasiException("give either --arch or model files, not both");

            var seed = parse.GetValue(net.Seed);
            // Generated networks get their BatchNorm mode from the builder; files are switched only when asked.
            var bn = arch is null && parse.GetValue(net.Bn) is { } b ? NetworkOptions.ParseBn(b) : (BatchNormMode?)null;
            var shape = parse.GetValue(inputShape) is { } s ? ScoringCliOptions.ParseShape(s) : null;
            var options = scoring.Build(parse, seed, batchNorm: bn, inputShape: shape) with
            {
                MaxParameters = parse.GetValue(maxParams),
                MaxMemoryBytes = parse.GetValue(maxMemory) is { } mib ? mib << 20 : null,
            };

            List<ModelSource> sources;
            if (arch is not null)
                sources = [ModelSource.Nb201(net.Cell(parse), net.Network(parse))];
            else
                sources = Shard.Parse(parse.GetValue(shard)!).Select(files, f => f).Select(ModelSource.File).ToList();

            var outPath = parse.GetValue(output);
            if (sources.Count == 1 && outPath is null)
            {
                io.Err.WriteLine(Engine.Runtime.SessionFactory.ProviderLine(options.Runtime));
                var report = Nasi.Score(sources[0], options, null, ct);
                if (parse.GetValue(json)) io.Out.WriteLine(NasiJson.Serialize(report));
                else Print(io.Out, report);
                return 0;
            }

            var columns = new ModelScorer(options).Metrics; // validates the metric options too
            io.Err.WriteLine(Engine.Runtime.SessionFactory.ProviderLine(options.Runtime));
            IReadOnlyList<ScoreRow> rows;
            using (var progress = new ProgressDisplay(io.Err, io.Interactive, "scoring", columns[0]))
                rows = await Nasi.RankAsync(sources, options, new RankingOptions { Workers = Math.Max(1, parse.GetValue(workers)) },
                    outPath, progress, ct);
            if (parse.GetValue(json)) io.Out.WriteLine(NasiJson.Serialize(rows));
            else RankTable.Print(io.Out, rows, columns, parse.GetValue(top));
            if (outPath is not null) io.Err.WriteLine($"results: {Path.GetFullPath(outPath)}");
            return rows.Any(r => r.IsOk) ? 0 : ConsoleIO.BadInput;
        }));
        return command;
    }

    private static void Print(TextWriter w, ModelScore report)
    {
        w.WriteLine($"model          {report.Model}");
        w.WriteLine($"parameters     {report.Parameters:N0}");
        w.WriteLine($"input          [{string.Join(", ", report.InputShape)}]{(report.ChannelsLast ? " (NHWC)" : "")}  data {report.Data}, labels {report.Labels}, seed {report.Seed}");
        w.WriteLine($"batch          {report.Batch}");
        foreach (var note in report.Notes) w.WriteLine($"note           {note}");
        if (report.Nasi is { } n)
        {
            w.WriteLine($"NASI score S   {n.Score:G8}");
            w.WriteLine($"gradient norm  {n.GradientNorm:G8}");
            w.WriteLine($"loss           {n.Loss:G8}");
            if (n.Objective is { } r) w.WriteLine($"objective R    {r:G8}");
            w.WriteLine($"gradient graph built in {n.BuildSeconds:F2} s, forward+backward {n.RunSeconds:F3} s");
        }
        if (report.Ntk is { } t)
            w.WriteLine($"NTK trace      {t.Trace:G6} ± {t.StandardError:G3} ({t.Probes} probes, {t.Seconds:F2} s{(t.Converged ? "" : ", not converged")})");
        foreach (var (name, value) in report.Metrics ?? new Dictionary<string, double>())
            if (!double.IsNaN(value)) w.WriteLine($"{name,-15}{value:G8}");
        foreach (var why in report.Unavailable ?? []) w.WriteLine($"n/a            {why}");
        w.WriteLine($"provider       {report.Provider}");
        w.WriteLine($"total          {report.Seconds:F2} s");
    }
}
