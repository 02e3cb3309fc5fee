using System.CommandLine;
using System.Diagnostics;
using NasiOnnx.Engine;
using NasiOnnx.Engine.Graphs;
using NasiOnnx.Engine.Metrics;
using NasiOnnx.Engine.Ntk;
using NasiOnnx.Engine.Ranking;
using NasiOnnx.Engine.Scoring;
using NasiOnnx.Models.Nb201;
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

            List<Candidate> candidates;
            if (arch is not null)
            {
                var cell = net.Cell(parse);
                var networkOptions = net.Network(parse);
                candidates = [new Candidate(cell.ToString(), () => Nb201Network.Build(cell, networkOptions))];
            }
            else
            {
                candidates = Shard.Parse(parse.GetValue(shard)!).Select(files, f => f)
                    .Select(f => new Candidate(f, () => ModelFile.Load(f))).ToList();
            }

            var outPath = parse.GetValue(output);
            if (candidates.Count == 1 && outPath is null)
            {
                try
                {
                    return Report(io, candidates[0], options, parse.GetValue(json), ct);
                }
                catch (NasiException e) when (!e.Message.Contains(candidates[0].Id, StringComparison.Ordinal))
                {
                    throw ModelScorer.Named(candidates[0].Id, e);
                }
            }

            var columns = new ModelScorer(options).Metrics; // validates the metric options too
            var workerCount = Math.Max(1, parse.GetValue(workers));
            // Parallel models each get one thread: measured faster on CPU than one model on all cores.
            if (options.Runtime.IntraOpThreads == 0 && workerCount > 1)
                options = options with { Runtime = options.Runtime with { IntraOpThreads = 1 } };
            io.Err.WriteLine(Engine.Runtime.SessionFactory.ProviderLine(options.Runtime));
            using var log = outPath is null ? null : ResultLog.Open(outPath, columns);
            IReadOnlyList<ScoreRow> rows;
            using (var progress = new ProgressDisplay(io.Err, io.Interactive, "scoring", columns[0]))
                rows = await RankingRunner.RunAsync(candidates, () => new ModelScorer(options), log,
                    new RankingOptions { Workers = workerCount }, progress, ct);
            if (parse.GetValue(json)) io.Out.WriteLine(Json.Serialize(rows));
            else RankTable.Print(io.Out, rows, columns, parse.GetValue(top));
            if (outPath is not null) io.Err.WriteLine($"results: {Path.GetFullPath(outPath)}");
            return rows.Any(r => r.IsOk) ? 0 : ConsoleIO.BadInput;
        }));
        return command;
    }

    /// <summary>One model: every number the user asked for, with its provider and timings.</summary>
    private static int Report(ConsoleIO io, Candidate candidate, ScoringOptions options, bool json, CancellationToken ct)
    {
        var scorer = new ModelScorer(options);
        var clock = Stopwatch.StartNew();
        var model = scorer.Prepare(candidate.Load(), candidate.Id);
        var signature = ModelSignature.Of(model, options.BatchSize, options.InputShape, candidate.Id);
        var parameters = scorer.CheckLimits(model, signature, candidate.Id);
        var data = scorer.OpenData(signature);
        var batch = data.Draw(options.BatchSize);
        var buildSeconds = clock.Elapsed.TotalSeconds;
        io.Err.WriteLine(Engine.Runtime.SessionFactory.ProviderLine(options.Runtime));

        NasiScore? nasi = null;
        NtkTrace? ntk = null;
        if (options.Metrics.Contains(Metric.Nasi))
        {
            using var nasiScorer = NasiScorer.Create(model, signature.InputShape, options.Runtime);
            nasi = nasiScorer.Score(batch);
        }
        if (options.Metrics.Contains(Metric.Ntk))
        {
            using var estimator = NtkEstimator.Create(model, batch.Inputs, options.Ntk with { Seed = options.Seed });
            ntk = estimator.Trace(null, ct);
        }
        var report = new ScoreReport(candidate.Id, parameters, signature.InputShape, data.Description,
            data.Labels.ToString().ToLowerInvariant(), options.Seed,
            nasi is null ? null : new NasiPart(nasi.Score, nasi.GradientNorm, nasi.Loss, nasi.BuildSeconds, nasi.RunSeconds),
            ntk is null ? null : new NtkPart(ntk.Trace, ntk.StandardError, ntk.Probes, ntk.Converged, ntk.Seconds),
            nasi?.Provider ?? ntk?.Provider ?? "", buildSeconds, clock.Elapsed.TotalSeconds);
        if (json)
        {
            io.Out.WriteLine(Json.Serialize(report));
            return 0;
        }
        io.Out.WriteLine($"model          {report.Model}");
        io.Out.WriteLine($"parameters     {report.Parameters:N0}");
        io.Out.WriteLine($"input          [{string.Join(", ", report.InputShape)}]  data {report.Data}, labels {report.Labels}, seed {report.Seed}");
        if (report.Nasi is { } n)
        {
            io.Out.WriteLine($"NASI score S   {n.Score:G8}");
            io.Out.WriteLine($"gradient norm  {n.GradientNorm:G8}");
            io.Out.WriteLine($"loss           {n.Loss:G8}");
            io.Out.WriteLine($"gradient graph built in {n.BuildSeconds:F2} s, forward+backward {n.RunSeconds:F3} s");
        }
        if (report.Ntk is { } t)
            io.Out.WriteLine($"NTK trace      {t.Trace:G6} ± {t.StandardError:G3} ({t.Probes} probes, {t.Seconds:F2} s{(t.Converged ? "" : ", not converged")})");
        io.Out.WriteLine($"provider       {report.Provider}");
        io.Out.WriteLine($"total          {report.Seconds:F2} s");
        return 0;
    }

    private sealed record NasiPart(double Score, double GradientNorm, double Loss, double BuildSeconds, double RunSeconds);

    private sealed record NtkPart(double Trace, double StandardError, int Probes, bool Converged, double Seconds);

    private sealed record ScoreReport(string Model, long Parameters, long[] InputShape, string Data, string Labels, ulong Seed,
        NasiPart? Nasi, NtkPart? Ntk, string Provider, double PrepareSeconds, double Seconds);
}
