using System.CommandLine;
using NasiOnnx.Engine;
using NasiOnnx.Engine.Graphs;
using NasiOnnx.Engine.Ntk;
using NasiOnnx.Engine.Scoring;
using NasiOnnx.Models.Api;
using NasiOnnx.Tools.Cli;

namespace NasiOnnx.Tools.Commands;

/// <summary>
/// <c>nasi ntk model.onnx | --arch CELL</c>: the NTK trace by finite perturbation with its standard error, and on
/// request the Gram matrix's spectrum (mean eigenvalue, condition number) and the exact values for small batches.
/// </summary>
public static class NtkCommand
{
    public static Command Create(ConsoleIO io)
    {
        var net = new NetworkOptions();
        var scoring = new ScoringCliOptions();
        var model = new Argument<FileInfo?>("model") { Description = "An .onnx classifier (or use --arch).", Arity = ArgumentArity.ZeroOrOne };
        var spectrum = new Option<bool>("--spectrum") { Description = "Estimate the Gram matrix and print its eigenvalues and condition number." };
        var exact = new Option<bool>("--exact") { Description = "Also compute the exact trace (and Gram) from one backward pass per sample and logit." };
        var probeKind = new Option<string>("--probe-kind") { Description = "rademacher or gaussian.", DefaultValueFactory = _ => "rademacher" };
        var step = new Option<double>("--step") { Description = "‖h v‖ of the finite differences.", DefaultValueFactory = _ => FiniteDifferenceJvp.DefaultStep };
        var inputShape = new Option<string?>("--input-shape") { Description = "Sample shape for symbolic input dimensions, e.g. 3,32,32." };
        var json = new Option<bool>("--json") { Description = "Print JSON." };
        var command = new Command("ntk", "NTK trace Σ‖∂f(x)/∂θ‖² by finite perturbation (forward passes only), its Gram matrix and spectrum.")
            { model, spectrum, exact, probeKind, step, inputShape, json };
        net.AddTo(command);
        scoring.AddTo(command);
        command.SetAction((parse, ct) => io.GuardAsync(async () =>
        {
            var file = parse.GetValue(model);
            var arch = parse.GetValue(net.Arch);
            if ((file is null) == (arch is null)) throw new NasiException("give either a model file or --arch CELL|default");
            var seed = parse.GetValue(net.Seed);
            var shape = parse.GetValue(inputShape) is { } s ? ScoringCliOptions.ParseShape(s) : null;
            var bn = file is not null && parse.GetValue(net.Bn) is { } b ? NetworkOptions.ParseBn(b) : (BatchNormMode?)null;
            var options = scoring.Build(parse, seed, batchNorm: bn, inputShape: shape);
            var ntkOptions = options.Ntk with
            {
                Seed = options.Seed,
                Step = parse.GetValue(step),
                ProbeKind = parse.GetValue(probeKind)!.ToLowerInvariant() switch
                {
                    "rademacher" => ProbeKind.Rademacher,
                    "gaussian" => ProbeKind.Gaussian,
                    var k => throw new NasiException($"--probe-kind '{k}': expected rademacher or gaussian"),
                },
                ThreadsPerWorker = options.Runtime.IntraOpThreads > 0 ? options.Runtime.IntraOpThreads : 1,
            };
            ntkOptions.Validate();

            var source = arch is null ? ModelSource.File(file!.FullName) : ModelSource.Nb201(net.Cell(parse), net.Network(parse));
            io.Err.WriteLine(Engine.Runtime.SessionFactory.ProviderLine(options.Runtime));
            var progress = new Progress<NtkProgress>(p =>
                io.Err.WriteLine($"  probe {p.Probes}: trace {p.Estimate:G6} ± {p.StandardError:G3} ({(p.Estimate > 0 ? 100 * p.StandardError / p.Estimate : 0):F1} %)"));
            var report = await Nasi.NtkAsync(source, options with { Ntk = ntkOptions }, parse.GetValue(spectrum), parse.GetValue(exact), progress, ct);
            if (parse.GetValue(json))
            {
                io.Out.WriteLine(NasiJson.Serialize(report));
                return 0;
            }
            var trace = report.Trace;
            io.Out.WriteLine($"model          {report.Model}");
            io.Out.WriteLine($"parameters     {report.Parameters:N0}; batch {report.Batch} × {report.Outputs} logits; data {report.Data}");
            io.Out.WriteLine($"NTK trace      {trace.Trace:G6} ± {trace.StandardError:G3} ({100 * trace.StandardError / trace.Trace:F1} %, {trace.Probes} {trace.ProbeKind.ToString().ToLowerInvariant()} probes{(trace.Converged ? "" : ", not converged")})");
            if ((report.Spectrum ?? report.PerSampleSpectrum) is { } sp)
                io.Out.WriteLine($"Gram spectrum  λ mean {sp.Mean:G6}, min {sp.Min:G4}, max {sp.Max:G6}, condition {Condition(sp)}");
            if (report.PerSampleSpectrum is { } ps)
                io.Out.WriteLine($"per-sample     λ mean {ps.Mean:G6}, condition {Condition(ps)}");
            if (report.ExactTrace is { } et)
                io.Out.WriteLine($"exact trace    {et:G8} ({report.ExactSeconds:F1} s, {report.Batch * report.Outputs} backward passes){(report.ExactSpectrum is { } es ? $"; exact condition {Condition(es)}" : "")}");
            io.Out.WriteLine($"provider       {trace.Provider}; {trace.Seconds:F2} s on {trace.Workers} worker(s)");
            return 0;
        }));
        return command;
    }

    private static string Condition(NtkSpectrum s) =>
        s.ConditionNumber is { } c ? c.ToString("G4") : "∞ (rank-deficient estimate: use more probes)";
}
