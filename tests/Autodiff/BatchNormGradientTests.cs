using NasiOnnx.Engine.Autodiff;
using NasiOnnx.Engine.Graphs;
using NasiOnnx.Engine.Init;
using NasiOnnx.Engine.Runtime;

namespace NasiOnnx.Tests.Autodiff;

/// <summary>
/// Training-mode BatchNormalization's gradients against the closed form in float64 at network sizes:
/// dx = γ/σ · (v − mean(v) − x̂·mean(v·x̂)), dγ = Σ v·x̂, dβ = Σ v, means over (N, H, W), σ² the biased variance + ε.
/// </summary>
public class BatchNormGradientTests
{
    [TestCase(8, 4, 16)]
    [TestCase(8, 16, 4)]
    [TestCase(2, 3, 2)]
    public void TrainingModeGradientsAreTheClosedForm(int n, int c, int size)
    {
        var rng = new Rng(23);
        var g = GraphBuilder.Create("bn");
        var x = g.Input("x", ElementType.Float, n, c, size, size);
        var gamma = new float[c];
        var beta = new float[c];
        rng.FillUniform(gamma, 0.5, 1.5);
        rng.FillUniform(beta, -0.5, 0.5);
        var y = g.NodeN("BatchNormalization",
            [x, g.Initializer("gamma", gamma, c), g.Initializer("beta", beta, c), g.Initializer("mean", new float[c], c), g.Initializer("var", Enumerable.Repeat(1f, c).ToArray(), c)],
            3, Attr.Int("training_mode", 1), Attr.Float("epsilon", 1e-5f), Attr.Float("momentum", 1f))[0];
        g.Output(y, ElementType.Float, [n, c, size, size]);

        var gradient = Vjp.Build(g.Model, [GradientSeed.FromInput(y)], new Dictionary<string, long[]> { ["x"] = [n, c, size, size] }, ["x", "gamma", "beta"]);
        var input = Tensor.Zeros(n, c, size, size);
        rng.FillGaussian(input.Data, 0.3, 2);
        var v = Tensor.Zeros(n, c, size, size);
        rng.FillGaussian(v.Data);
        using var session = SessionFactory.Create(gradient.Model, new RuntimeOptions { Provider = ExecutionProvider.Cpu });
        var outputs = session.Run(new Dictionary<string, Tensor> { ["x"] = input, [gradient.SeedInputs[y]] = v }, null,
            [gradient.Gradients["x"], gradient.Gradients["gamma"], gradient.Gradients["beta"]]);

        var m = n * size * size;
        for (var ch = 0; ch < c; ch++)
        {
            var idx = Enumerable.Range(0, n).SelectMany(s => Enumerable.Range(0, size * size).Select(p => (s * c + ch) * size * size + p)).ToList();
            var mean = idx.Average(i => (double)input.Data[i]);
            var variance = idx.Average(i => Math.Pow(input.Data[i] - mean, 2));
            var sigma = Math.Sqrt(variance + 1e-5);
            var xhat = idx.Select(i => (input.Data[i] - mean) / sigma).ToList();
            var vs = idx.Select(i => (double)v.Data[i]).ToList();
            var meanV = vs.Average();
            var meanVX = vs.Zip(xhat, (a, b) => a * b).Average();
            Assert.That(outputs[1].Data[ch], Is.EqualTo(vs.Zip(xhat, (a, b) => a * b).Sum()).Within(1e-4 * m), $"dγ[{ch}]");
            Assert.That(outputs[2].Data[ch], Is.EqualTo(vs.Sum()).Within(1e-4 * m), $"dβ[{ch}]");
            for (var k = 0; k < m; k++)
            {
                var expected = gamma[ch] / sigma * (vs[k] - meanV - xhat[k] * meanVX);
                Assert.That(outputs[0].Data[idx[k]], Is.EqualTo(expected).Within(1e-4 * (Math.Abs(expected) + 1)), $"dx, channel {ch}, element {k}");
            }
        }
    }
}
