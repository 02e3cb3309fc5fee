using System.CommandLine;
using NasiOnnx.Engine;
using NasiOnnx.Engine.Graphs;
using NasiOnnx.Engine.Ntk;
using NasiOnnx.Engine.Scoring;
using NasiOnnx.Models.Nb201;
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
        command.SetAction((parse, ct) => Task.FromResult(io.Guard(() =>
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

            var cell = arch is null ? null : net.Cell(parse);
            var id = file?.FullName ?? cell!.ToString();
            var scorer = new ModelScorer(options);
            var raw = cell is null ? ModelFile.Load(file!.FullName) : Nb201Network.Build(cell, net.Network(parse));
            var prepared = scorer.Prepare(raw, id);
            var signature = ModelSignature.Of(prepared, options.BatchSize, options.InputShape, id);
            var data = scorer.OpenData(signature);
            var batch = data.Draw(options.BatchSize);
            io.Err.WriteLine(Engine.Runtime.SessionFactory.ProviderLine(options.Runtime));

            var progress = new Progress<NtkProgress>(p =>
                io.Err.WriteLine($"  probe {p.Probes}: trace {p.Estimate:G6} ± {p.StandardError:G3} ({(p.Estimate > 0 ? 100 * p.StandardError / p.Estimate : 0):F1} %)"));
            using var estimator = NtkEstimator.Create(prepared, batch.Inputs, ntkOptions);
            NtkTrace trace;
            NtkGram? gram = null;
            if (parse.GetValue(spectrum)) { gram = estimator.Gram(progress, ct); trace = gram.Trace; }
            else trace = estimator.Trace(progress, ct);

            ExactJacobian? jacobian = null;
            double? exactTrace = null;
            NtkSpectrum? exactSpectrum = null;
            if (parse.GetValue(exact))
            {
                jacobian = ExactJacobian.Compute(prepared, batch.Inputs, options.Runtime);
                exactTrace = jacobian.Trace();
                if (gram is not null) exactSpectrum = NtkSpectrum.Of(jacobian.Gram());
            }

            if (parse.GetValue(json))
            {
                io.Out.WriteLine(Json.Serialize(new
                {
                    model = id, parameters = estimator.Parameters, batch = estimator.BatchSize, outputs = estimator.Outputs, data = data.Description,
                    trace, spectrum = gram?.FullSpectrum, perSampleSpectrum = gram?.PerSampleSpectrum,
                    exactTrace, exactSpectrum, exactSeconds = jacobian?.Seconds,
                }));
                return 0;
            }
            io.Out.WriteLine($"model          {id}");
            io.Out.WriteLine($"parameters     {estimator.Parameters:N0}; batch {estimator.BatchSize} × {estimator.Outputs} logits; data {data.Description}");
            io.Out.WriteLine($"NTK trace      {trace.Trace:G6} ± {trace.StandardError:G3} ({100 * trace.StandardError / trace.Trace:F1} %, {trace.Probes} {trace.ProbeKind.ToString().ToLowerInvariant()} probes{(trace.Converged ? "" : ", not converged")})");
            if (gram is not null)
            {
                var sp = gram.FullSpectrum ?? gram.PerSampleSpectrum;
                io.Out.WriteLine($"Gram spectrum  λ mean {sp.Mean:G6}, min {sp.Min:G4}, max {sp.Max:G6}, condition {(sp.ConditionNumber is { } c ? c.ToString("G4") : "∞ (rank-deficient estimate: more probes)")}");
                io.Out.WriteLine($"per-sample     λ mean {gram.PerSampleSpectrum.Mean:G6}, condition {(gram.PerSampleSpectrum.ConditionNumber is { } c2 ? c2.ToString("G4") : "∞")}");
            }
            if (exactTrace is { } et)
                io.Out.WriteLine($"exact trace    {et:G8} ({jacobian!.Seconds:F1} s, {estimator.BatchSize * estimator.Outputs} backward passes){(exactSpectrum is { } es ? $"; exact condition {es.ConditionNumber:G4}" : "")}");
            io.Out.WriteLine($"provider       {trace.Provider}; {trace.Seconds:F2} s on {trace.Workers} worker(s)");
            return 0;
        })));
        return command;
    }
}
