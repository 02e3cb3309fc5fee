using NasiOnnx.Engine.Autodiff;
using NasiOnnx.Engine.Autodiff.Kernels;
using NasiOnnx.Engine.Data;
using NasiOnnx.Engine.Graphs;
using NasiOnnx.Engine.Init;
using NasiOnnx.Engine.Metrics;
using NasiOnnx.Engine.Runtime;
using NasiOnnx.Models.Nb201;
using Onnx;

namespace NasiOnnx.Tests.Autodiff;

/// <summary>
/// The fused C# kernels (ONNX Runtime custom operators) against the standard-op rules they replace, which stay
/// the reference: on every gradient case of an op with a kernel, on a float64 closed form, and on NASI scores of
/// NAS-Bench-201 cells. Tolerances are float32 summation order: the kernels sum per channel in double where ONNX
/// Runtime's reductions sum in float, so results agree to a few float32 ulps of the largest term, not bit for bit.
/// </summary>
public class GradientKernelTests
{
    private static readonly RuntimeOptions Cpu = new() { Provider = ExecutionProvider.Cpu, IntraOpThreads = 1 };
    private static readonly RuntimeOptions CpuStandard = Cpu with { GradientKernels = GradientKernelMode.Standard };

    private static IEnumerable<GradientCase> CasesWithKernels() =>
        GradientCases.All().Where(c => c.OpType == "Relu" || (c.OpType == "Conv" && c.Inputs[0].Shape.Length == 4)
                                       || (c.OpType == "BatchNormalization" && c.Attributes.Any(a => a.Name == "training_mode" && a.I == 1)));

    [TestCaseSource(nameof(CasesWithKernels))]
    public void EachKernelGivesTheStandardRulesGradients(GradientCase c)
    {
        var rng = Rng.For(11, c.Name);
        var (forward, values) = GradientCheckTests.OneNodeModel(c, rng);
        var output = forward.Graph.Output[0].Name;
        var shapes = values.ToDictionary(kv => kv.Key, kv => kv.Value.Shape);
        var wrt = values.Keys.ToList();
        var standard = Vjp.Build(forward, [GradientSeed.FromInput(output)], shapes, wrt);
        var fused = Vjp.Build(forward, [GradientSeed.FromInput(output)], shapes, wrt, new GradientOptions { Kernels = GradientKernelMode.Fused });
        Assert.That(fused.Model.Graph.Node.Any(n => n.Domain == GradientKernels.Domain), Is.True, "the fused graph uses a kernel");
        Assert.That(fused.Model.Graph.Node.Count, Is.LessThan(standard.Model.Graph.Node.Count));

        using var forwardSession = SessionFactory.Create(forward, Cpu);
        var y = forwardSession.Run(values, null, [output])[0];
        var v = new float[y.Data.Length];
        rng.FillGaussian(v);
        var feeds = new Dictionary<string, Tensor>(values) { [standard.SeedInputs[output]] = new Tensor(v, y.Shape) };
        Tensor[] Run(GradientModel g)
        {
            using var session = SessionFactory.Create(g.Model, Cpu);
            return session.Run(feeds, null, wrt.Select(n => g.Gradients[n]).ToList());
        }
        var (expected, actual) = (Run(standard), Run(fused));
        for (var k = 0; k < wrt.Count; k++)
        {
            Assert.That(actual[k].Shape, Is.EqualTo(expected[k].Shape), $"{c.Name}: {wrt[k]}");
            var scale = expected[k].Data.Max(Math.Abs);
            for (var i = 0; i < expected[k].Data.Length; i++)
                Assert.That(actual[k].Data[i], Is.EqualTo(expected[k].Data[i]).Within(1e-5 * scale + 1e-7), $"{c.Name}: d{wrt[k]}[{i}]");
        }
    }

    /// <summary>The BatchNorm kernel against its formula in float64, on activations far from zero mean (the
    /// shifted sums must not cancel) and of very different scales per channel.</summary>
    [Test]
    public void BatchNormKernelMatchesAFloat64ClosedForm()
    {
        var rng = new Rng(3);
        const int n = 5, channels = 3, spatial = 37; // odd sizes: the vector loops' tails run too
        const float epsilon = 1e-3f;
        var x = new float[n * channels * spatial];
        var dy = new float[x.Length];
        float[] offsets = [1000f, -2f, 0.01f], scales = [0.5f, 30f, 1e-3f];
        for (var i = 0; i < x.Length; i++)
        {
            var c = i / spatial % channels;
            x[i] = offsets[c] + scales[c] * (float)rng.NextGaussian();
            dy[i] = (float)rng.NextGaussian();
        }
        float[] gamma = [1.5f, -0.7f, 2f];
        var dx = new float[x.Length];
        var dGamma = new float[channels];
        var dBeta = new float[channels];
        BatchNormGradient.Compute(x, dy, dx, gamma, dGamma, dBeta, n, channels, spatial, epsilon);

        for (var c = 0; c < channels; c++)
        {
            var idx = Enumerable.Range(0, n).SelectMany(s => Enumerable.Range((s * channels + c) * spatial, spatial)).ToList();
            double m = idx.Count, mean = idx.Average(i => (double)x[i]);
            var variance = idx.Sum(i => (x[i] - mean) * (x[i] - mean)) / m + epsilon;
            var sigma = Math.Sqrt(variance);
            var sdy = idx.Sum(i => (double)dy[i]);
            var sdyx = idx.Sum(i => dy[i] * (x[i] - mean));
            Assert.That(dBeta[c], Is.EqualTo(sdy).Within(1e-5 * idx.Sum(i => Math.Abs((double)dy[i]))), $"dβ[{c}]");
            Assert.That(dGamma[c], Is.EqualTo(sdyx / sigma).Within(1e-4 * Math.Abs(sdyx / sigma) + 1e-5), $"dγ[{c}]");
            foreach (var i in idx)
            {
                var expected = gamma[c] / sigma * (dy[i] - sdy / m - (x[i] - mean) * sdyx / (m * variance));
                Assert.That(dx[i], Is.EqualTo(expected).Within(1e-4 * Math.Abs(gamma[c] / sigma) + 1e-6), $"dx[{i}] (channel {c})");
            }
        }
    }

    /// <summary>Im2Col against its definition, element by element, over strides, dilations and pads that cut
    /// windows on every side.</summary>
    [TestCase(1, 1, 1, 1, 1, 1)]
    [TestCase(2, 2, 1, 1, 0, 2)]
    [TestCase(1, 2, 2, 1, 2, 0)]
    [TestCase(3, 1, 1, 3, 1, 2)]
    public void Im2ColKernelMatchesItsDefinition(int strideH, int strideW, int dilationH, int dilationW, int padTop, int padLeft)
    {
        const int n = 2, c = 3, h = 7, w = 9, kh = 3, kw = 2;
        var outH = (h + 2 * padTop - (kh - 1) * dilationH - 1) / strideH + 1;
        var outW = (w + 2 * padLeft - (kw - 1) * dilationW - 1) / strideW + 1;
        var g = new Im2Col.Geometry(n, c, h, w, outH, outW, kh, kw, strideH, strideW, padTop, padLeft, dilationH, dilationW);
        var x = Enumerable.Range(1, n * c * h * w).Select(v => (float)v).ToArray();
        var cols = new float[c * kh * kw * g.Columns];
        Array.Fill(cols, float.NaN); // every element must be written
        Im2Col.Compute(x, cols, g);
        for (var ch = 0; ch < c; ch++)
            for (var i = 0; i < kh; i++)
                for (var j = 0; j < kw; j++)
                    for (var s = 0; s < n; s++)
                        for (var p = 0; p < outH; p++)
                            for (var q = 0; q < outW; q++)
                            {
                                int r = p * strideH + i * dilationH - padTop, col = q * strideW + j * dilationW - padLeft;
                                var expected = r >= 0 && r < h && col >= 0 && col < w ? x[((s * c + ch) * h + r) * w + col] : 0f;
                                var actual = cols[((ch * kh + i) * kw + j) * g.Columns + (s * outH + p) * outW + q];
                                if (actual != expected) Assert.Fail($"cols[({ch},{i},{j}), ({s},{p},{q})] = {actual}, expected {expected}");
                            }
    }

    /// <summary>The direct weight-gradient kernel against its definition in float64: odd sizes (tails of the 8-wide
    /// transposes and of the 6-column and 16-channel tiles), pads, dilation, fewer output rows than input rows, the
    /// unpadded 1 × 1 case that reads X in place, and (the last six) batches that do not split evenly into its 8 sample
    /// chunks, pads wider than the kernel's reach, and samples small enough to be grouped several to a chunk.</summary>
    [TestCase(3, 5, 7, 9, 6, 3, 3, 1, 1, 1, 1)]
    [TestCase(2, 4, 8, 8, 20, 3, 3, 1, 1, 1, 1)]
    [TestCase(2, 3, 7, 9, 17, 3, 2, 0, 1, 1, 1)]
    [TestCase(2, 6, 9, 9, 5, 3, 3, 2, 2, 2, 2)]
    [TestCase(4, 7, 6, 10, 9, 1, 1, 0, 0, 1, 1)]
    [TestCase(1, 2, 5, 5, 3, 5, 5, 2, 2, 1, 1)]
    [TestCase(13, 5, 9, 9, 7, 3, 3, 1, 1, 1, 1)]
    [TestCase(3, 4, 6, 10, 19, 3, 3, 2, 2, 1, 1)]
    [TestCase(10, 3, 8, 8, 17, 3, 3, 2, 2, 2, 2)]
    [TestCase(9, 6, 5, 7, 33, 1, 3, 0, 1, 1, 1)]
    [TestCase(64, 16, 8, 8, 16, 1, 1, 0, 0, 1, 1)]
    [TestCase(20, 64, 8, 8, 64, 3, 3, 1, 1, 1, 1)]
    public void ConvWeightGradKernelMatchesItsDefinition(int n, int c, int h, int w, int m, int kh, int kw, int padTop, int padLeft, int dilationH, int dilationW)
    {
        var outH = h + 2 * padTop - (kh - 1) * dilationH;
        var outW = w + 2 * padLeft - (kw - 1) * dilationW;
        var g = new ConvWeightGradient.Geometry(n, c, h, w, m, outH, outW, kh, kw, padTop, padLeft, dilationH, dilationW);
        var rng = new Rng(8);
        var x = Enumerable.Range(0, n * c * h * w).Select(_ => (float)rng.NextGaussian()).ToArray();
        var dy = Enumerable.Range(0, n * m * outH * outW).Select(_ => (float)rng.NextGaussian()).ToArray();
        var dw = new float[m * c * kh * kw];
        ConvWeightGradient.Compute(x, dy, dw, g);
        for (var mm = 0; mm < m; mm++)
            for (var cc = 0; cc < c; cc++)
                for (var i = 0; i < kh; i++)
                    for (var j = 0; j < kw; j++)
                    {
                        double expected = 0, magnitude = 0;
                        for (var s = 0; s < n; s++)
                            for (var p = 0; p < outH; p++)
                                for (var q = 0; q < outW; q++)
                                {
                                    int r = p + i * dilationH - padTop, col = q + j * dilationW - padLeft;
                                    if (r < 0 || r >= h || col < 0 || col >= w) continue;
                                    var term = (double)dy[((s * m + mm) * outH + p) * outW + q] * x[((s * c + cc) * h + r) * w + col];
                                    expected += term;
                                    magnitude += Math.Abs(term);
                                }
                        var actual = dw[((mm * c + cc) * kh + i) * kw + j];
                        if (Math.Abs(actual - expected) > 1e-5 * magnitude + 1e-6)
                            Assert.Fail($"dW[{mm},{cc},{i},{j}] = {actual}, float64 {expected} (Σ|terms| {magnitude})");
                    }
    }

    [Test]
    public void ReluKernelPassesTheCotangentWhereTheOutputIsPositive()
    {
        float[] y = [0, 1, -0f, 2, 0, 3, 4, 0, 5, 0.5f, 0]; // 11 values: one vector and a tail
        var dy = Enumerable.Range(1, y.Length).Select(i => (float)i).ToArray();
        var dx = new float[y.Length];
        ReluGradient.Apply(y, dy, dx);
        Assert.That(dx, Is.EqualTo(y.Select((v, i) => v > 0 ? dy[i] : 0f).ToArray()));
    }

    /// <summary>
    /// The NASI score must not change with the kernels. The two paths differ only in float32 summation order (and
    /// the kernels' double accumulators), so each gradient moves by a few float32 ulps and S, a sum of their
    /// squares, by about 1e-7 relative (1.6e-8 to 1.7e-7 measured on these cells); 1e-5 leaves room for deeper
    /// networks, whose gradients pass through more BatchNorms, while any real change to a rule moves S far more.
    /// </summary>
    [Test]
    public void NasiScoresOfASampleOfCellsDoNotChange()
    {
        var options = new Nb201NetworkOptions { C = 8, N = 2, InputSize = 16, Seed = 4 };
        var batch = new GaussianSource([3, 16, 16], 10, 9).Draw(16);
        var rng = new Rng(21);
        var all = Nb201Cell.All().ToArray();
        var cells = new[] { Nb201Cell.Default, Nb201Cell.Uniform(Nb201Op.NorConv3x3) }
            .Concat(Enumerable.Range(0, 6).Select(_ => all[rng.NextInt(all.Length)])).ToList();
        foreach (var cell in cells)
        {
            var model = Nb201Network.Build(cell, options);
            double Score(RuntimeOptions runtime)
            {
                using var scorer = NasiScorer.Create(model, batch.Inputs.Shape, runtime);
                return scorer.Score(batch).Score;
            }
            var (reference, fused) = (Score(CpuStandard), Score(Cpu));
            Assert.That(fused, Is.EqualTo(reference).Within(1e-5 * reference), $"{cell}: standard {reference:R}, fused {fused:R}");
            TestContext.Out.WriteLine($"{cell}: S standard {reference:R}, fused {fused:R}, relative difference {Math.Abs(fused - reference) / reference:E1}");
        }
    }

    [Test]
    public void CudaSessionsKeepTheStandardOps()
    {
        Assert.That(SessionFactory.GradientKernels(Cpu), Is.EqualTo(GradientKernelMode.Fused));
        Assert.That(SessionFactory.GradientKernels(CpuStandard), Is.EqualTo(GradientKernelMode.Standard));
        var auto = SessionFactory.GradientKernels(new RuntimeOptions { Provider = ExecutionProvider.Auto });
        Assert.That(auto, Is.EqualTo(SessionFactory.ProviderName(RuntimeOptions.Default) == "CUDA" ? GradientKernelMode.Standard : GradientKernelMode.Fused),
            "auto gets the kernels exactly when it resolves to the CPU");
    }
}
