using System.Text.Json;
using NasiOnnx.Engine;
using NasiOnnx.Engine.Graphs;
using NasiOnnx.Engine.Ntk;
using NasiOnnx.Engine.Runtime;

namespace NasiOnnx.Tests.Ntk;

public class NtkEstimatorTests
{
    private const int D = 6, N = 3, Batch = 4;

    private static NtkOptions Options(int probes, ulong seed = 1, int workers = 2) =>
        new() { Probes = probes, Seed = seed, Workers = workers, Provider = ExecutionProvider.Cpu };

    /// <summary>Σ_i n(‖x_i‖² + 1) in double: ∂y_ic/∂W_c· = x_i, ∂y_ic/∂b_c = 1.</summary>
    private static double ExactLinearTrace(Tensor x)
    {
        double t = 0;
        for (var i = 0; i < Batch; i++)
        {
            double sq = 0;
            for (var j = 0; j < D; j++) sq += (double)x.Data[i * D + j] * x.Data[i * D + j];
            t += N * (sq + 1);
        }
        return t;
    }

    private static (NtkEstimator Estimator, Tensor X) Linear(NtkOptions options)
    {
        var model = NtkTestModels.Linear(D, N, seed: 4, out _, out _);
        var x = NtkTestModels.Inputs(4, Batch, D);
        return (NtkEstimator.Create(model, x, options), x);
    }

    [TestCase(ProbeKind.Rademacher)]
    [TestCase(ProbeKind.Gaussian)]
    public void TraceEstimateIsUnbiasedOnALinearModel(ProbeKind kind)
    {
        var (estimator, x) = Linear(Options(4000) with { ProbeKind = kind });
        using var _ = estimator;
        var result = estimator.Trace();
        var exact = ExactLinearTrace(x);
        TestContext.Out.WriteLine($"{kind}: {result.Trace} ± {result.StandardError}, exact {exact}");
        Assert.That(Math.Abs(result.Trace - exact), Is.LessThan(4 * result.StandardError));
        Assert.That(result.StandardError, Is.LessThan(0.03 * exact).And.GreaterThan(0));
        Assert.That(result.Probes, Is.EqualTo(4000));
    }

    [Test]
    public void StandardErrorHalvesWhenTheProbeCountQuadruples()
    {
        var (small, _) = Linear(Options(500));
        var (large, _) = Linear(Options(2000));
        using (small)
        using (large)
        {
            var ratio = small.Trace().StandardError / large.Trace().StandardError;
            Assert.That(ratio, Is.InRange(1.6, 2.5));
        }
    }

    [Test]
    public void CosInTheMiddleStillGetsAnUnbiasedTrace()
    {
        const int d = 5, hidden = 7, n = 3, batch = 4;
        var model = NtkTestModels.CosMlp(d, hidden, n, seed: 8, out var w1, out var b1, out var w2);
        var x = NtkTestModels.Inputs(8, batch, d);
        double exact = 0;
        for (var i = 0; i < batch; i++)
        {
            double xx = 1; // ‖x‖² + 1: W1 row and b1 entry
            for (var j = 0; j < d; j++) xx += (double)x.Data[i * d + j] * x.Data[i * d + j];
            var cos = new double[hidden];
            var sin = new double[hidden];
            for (var k = 0; k < hidden; k++)
            {
                double z = b1[k];
                for (var j = 0; j < d; j++) z += (double)w1[k * d + j] * x.Data[i * d + j];
                cos[k] = Math.Cos(z);
                sin[k] = Math.Sin(z);
            }
            for (var c = 0; c < n; c++)
            {
                exact += cos.Sum(a => a * a) + 1; // W2 row c and b2 entry
                for (var k = 0; k < hidden; k++) exact += Math.Pow(w2[c * hidden + k] * sin[k], 2) * xx;
            }
        }
        using var estimator = NtkEstimator.Create(model, x, Options(3000));
        var result = estimator.Trace();
        TestContext.Out.WriteLine($"cos: {result.Trace} ± {result.StandardError}, exact {exact}");
        Assert.That(Math.Abs(result.Trace - exact), Is.LessThan(4 * result.StandardError));
        Assert.That(result.StandardError, Is.LessThan(0.03 * exact));
    }

    [Test]
    public void SameSeedGivesIdenticalResultsWhateverTheWorkerCount()
    {
        var (one, _) = Linear(Options(9, seed: 5, workers: 1));
        var (two, _) = Linear(Options(9, seed: 5, workers: 2));
        var (three, _) = Linear(Options(9, seed: 5, workers: 3));
        using (one)
        using (two)
        using (three)
        {
            var a = one.Trace();
            Assert.That(two.Trace().Trace, Is.EqualTo(a.Trace));
            Assert.That(three.Trace().Trace, Is.EqualTo(a.Trace));
            Assert.That(three.Trace().StandardError, Is.EqualTo(a.StandardError));
            Assert.That(one.Trace().Trace, Is.EqualTo(a.Trace), "a rerun on the same estimator");
        }
    }

    [Test]
    public void DifferentSeedsGiveDifferentEstimates()
    {
        var (a, _) = Linear(Options(8, seed: 1));
        var (b, _) = Linear(Options(8, seed: 2));
        using (a)
        using (b) Assert.That(a.Trace().Trace, Is.Not.EqualTo(b.Trace().Trace));
    }

    [Test]
    public void AdaptiveModeStopsOnceTheRelativeErrorIsReached()
    {
        var options = Options(2) with { RelativeError = 0.02, MinProbes = 4, MaxProbes = 100_000 };
        var (estimator, x) = Linear(options);
        using var _ = estimator;
        var reports = new List<NtkProgress>();
        var result = estimator.Trace(new SyncProgress(reports.Add));

        Assert.That(result.Converged, Is.True);
        Assert.That(result.StandardError, Is.LessThan(0.02 * result.Trace));
        Assert.That(Math.Abs(result.Trace - ExactLinearTrace(x)), Is.LessThan(5 * result.StandardError));
        // It stopped at the first probe count that met the target, not later.
        var earlier = reports.Where(r => r.Probes >= 4 && r.Probes < result.Probes);
        Assert.That(earlier.Select(r => r.StandardError / r.Estimate), Is.All.GreaterThan(0.02));
        Assert.That(reports[^1].Probes, Is.EqualTo(result.Probes));
        Assert.That(reports[^1].Estimate, Is.EqualTo(result.Trace));
        Assert.That(reports.Select(r => r.Probes), Is.Ordered.And.Unique);
    }

    [Test]
    public void AdaptiveModeReportsNotConvergedAtTheProbeCap()
    {
        var (estimator, _) = Linear(Options(2) with { RelativeError = 1e-4, MinProbes = 4, MaxProbes = 10 });
        using var _e = estimator;
        var result = estimator.Trace();
        Assert.That(result.Converged, Is.False);
        Assert.That(result.Probes, Is.EqualTo(10));
    }

    [Test]
    public void GramMatrixMatchesTheClosedForm()
    {
        var (estimator, x) = Linear(Options(4000));
        using var _ = estimator;
        var gram = estimator.Gram();
        var full = gram.Full!;

        // Θ[(i,c),(j,e)] = δ_ce (x_i·x_j + 1); summed over logits: n (x_i·x_j + 1).
        var rows = Batch * N;
        double errorSq = 0, normSq = 0, sampleErrorSq = 0, sampleNormSq = 0;
        for (var i = 0; i < Batch; i++)
        for (var j = 0; j < Batch; j++)
        {
            double dot = 1;
            for (var k = 0; k < D; k++) dot += (double)x.Data[i * D + k] * x.Data[j * D + k];
            for (var c = 0; c < N; c++)
            for (var e = 0; e < N; e++)
            {
                var exact = c == e ? dot : 0;
                errorSq += Math.Pow(full[i * N + c, j * N + e] - exact, 2);
                normSq += exact * exact;
            }
            sampleErrorSq += Math.Pow(gram.PerSample[i, j] - N * dot, 2);
            sampleNormSq += N * dot * N * dot;
        }
        TestContext.Out.WriteLine($"relative Frobenius error: full {Math.Sqrt(errorSq / normSq)}, per sample {Math.Sqrt(sampleErrorSq / sampleNormSq)}");
        // Monte-Carlo error ≈ √((tr²Θ + ‖Θ‖²)/K)/‖Θ‖ ≈ 4 % at K = 4000.
        Assert.That(Math.Sqrt(errorSq / normSq), Is.LessThan(0.1));
        Assert.That(Math.Sqrt(sampleErrorSq / sampleNormSq), Is.LessThan(0.05));

        var trace = Enumerable.Range(0, rows).Sum(r => full[r, r]);
        Assert.That(trace, Is.EqualTo(gram.Trace.Trace).Within(1e-9).Percent, "trace of Θ̂ = trace estimate");
        Assert.That(gram.FullSpectrum!.Eigenvalues.Sum(), Is.EqualTo(trace).Within(1e-9).Percent);
        Assert.That(gram.FullSpectrum.Eigenvalues, Has.Length.EqualTo(rows).And.Ordered);
        Assert.That(gram.PerSampleSpectrum.ConditionNumber, Is.Not.Null.And.GreaterThan(1));
    }

    [Test]
    public void ConvNetWithTrainingModeBatchNormGetsAFinitePositiveTraceFlatInTheStep()
    {
        var model = NtkTestModels.ConvBn(channels: 8, classes: 5, seed: 6);
        var x = NtkTestModels.Inputs(6, 8, 3, 8, 8);
        double Estimate(double step)
        {
            using var e = NtkEstimator.Create(model, x, Options(16) with { Step = step });
            return e.Trace().Trace;
        }
        var small = Estimate(1e-3);
        var middle = Estimate(1e-2);
        TestContext.Out.WriteLine($"‖hv‖ 1e-3: {small}, 1e-2: {middle}");
        Assert.That(double.IsFinite(middle) && middle > 0, $"trace {middle}");
        // Same probes, so only curvature and round-off separate the two.
        Assert.That(small, Is.EqualTo(middle).Within(2).Percent);
    }

    [Test]
    public void ForwardDifferencesAgreeWithCentralOnTheBatchNormConvNet()
    {
        var model = NtkTestModels.ConvBn(channels: 8, classes: 5, seed: 6);
        var x = NtkTestModels.Inputs(6, 8, 3, 8, 8);
        using var central = NtkEstimator.Create(model, x, Options(16));
        using var forward = NtkEstimator.Create(model, x, Options(16) with { Scheme = DifferenceScheme.Forward });
        var c = central.Trace();
        var f = forward.Trace();
        TestContext.Out.WriteLine($"central {c.Trace}, forward {f.Trace}");
        Assert.That(f.Scheme, Is.EqualTo(DifferenceScheme.Forward));
        // Same probes: their O(h) per-product errors cancel in expectation, so the traces agree far inside the SE.
        Assert.That(f.Trace, Is.EqualTo(c.Trace).Within(0.5).Percent);
    }

    [Test]
    public void CancellationStopsTheEstimate()
    {
        var (estimator, _) = Linear(Options(100_000));
        using var _e = estimator;
        using var cts = new CancellationTokenSource();
        var progress = new SyncProgress(p => { if (p.Probes >= 10) cts.Cancel(); });
        Assert.That(() => estimator.Trace(progress, cts.Token), Throws.InstanceOf<OperationCanceledException>());
    }

    [Test]
    public void ResultsSerializeToJsonAndBack()
    {
        var (estimator, _) = Linear(Options(6));
        using var _e = estimator;
        var gram = estimator.Gram();
        var json = JsonSerializer.Serialize(gram);
        Assert.That(json, Does.Contain("\"ProbeKind\":\"Rademacher\""));
        var back = JsonSerializer.Deserialize<NtkGram>(json)!;
        Assert.That(back.Trace, Is.EqualTo(gram.Trace));
        Assert.That(back.Full!.Values, Is.EqualTo(gram.Full!.Values));
        // 6 probes, 12 rows: the full estimate is singular, and says so with a null condition number.
        Assert.That(back.FullSpectrum!.ConditionNumber, Is.Null);
    }

    [Test]
    public void PerSampleGramWithoutTheFullMatrixIsTheSame()
    {
        var (withFull, _) = Linear(Options(20));
        var (without, _) = Linear(Options(20) with { FullGram = false });
        using (withFull)
        using (without)
        {
            var a = withFull.Gram();
            var b = without.Gram();
            Assert.That(b.Full, Is.Null);
            Assert.That(b.FullSpectrum, Is.Null);
            Assert.That(b.PerSample.Values, Is.EqualTo(a.PerSample.Values).Within(1e-12).Percent);
            Assert.That(JsonSerializer.Serialize(b), Does.Contain("\"Full\":null"));
        }
    }

    [TestCase(nameof(NtkOptions.Probes), "Probes = 1")]
    [TestCase(nameof(NtkOptions.RelativeError), "RelativeError = 1.5")]
    [TestCase(nameof(NtkOptions.MaxProbes), "MaxProbes = 3")]
    [TestCase(nameof(NtkOptions.Workers), "Workers = -1")]
    public void BadOptionsAreRejectedNamingTheValue(string option, string message)
    {
        var options = option switch
        {
            nameof(NtkOptions.Probes) => new NtkOptions { Probes = 1 },
            nameof(NtkOptions.RelativeError) => new NtkOptions { RelativeError = 1.5 },
            nameof(NtkOptions.MaxProbes) => new NtkOptions { MaxProbes = 3 },
            _ => new NtkOptions { Workers = -1 },
        };
        var ex = Assert.Throws<NasiException>(options.Validate);
        Assert.That(ex!.Message, Does.StartWith(message));
    }

    /// <summary>Reports on the calling thread (Progress&lt;T&gt; would post to the thread pool).</summary>
    private sealed class SyncProgress(Action<NtkProgress> report) : IProgress<NtkProgress>
    {
        public void Report(NtkProgress value) => report(value);
    }
}
