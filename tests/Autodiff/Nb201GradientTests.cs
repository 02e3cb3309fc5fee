using NasiOnnx.Engine.Autodiff;
using NasiOnnx.Engine.Graphs;
using NasiOnnx.Engine.Init;
using NasiOnnx.Engine.Runtime;
using NasiOnnx.Models.Nb201;
using NasiOnnx.Tests.Models.Nb201;

namespace NasiOnnx.Tests.Autodiff;

/// <summary>
/// Whole NAS-Bench-201 networks (batch-statistics BN, small C) against finite differences of their loss along random
/// directions over every parameter: the rules composed as the NASI score uses them. Float32 finite differences of
/// such ReLU networks wander with the step (kinks, BN curvature), so the reference is the float64 forward pass.
/// </summary>
public class Nb201GradientTests
{
    [TestCase("|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_1x1~1|skip_connect~2|", false)]
    [TestCase("|avg_pool_3x3~0|+|none~0|nor_conv_3x3~1|+|nor_conv_1x1~0|none~1|avg_pool_3x3~2|", false)]
    [TestCase("|none~0|+|nor_conv_1x1~0|none~1|+|avg_pool_3x3~0|skip_connect~1|nor_conv_3x3~2|", false)]
    [TestCase("|nor_conv_3x3~0|+|none~0|nor_conv_1x1~1|+|none~0|none~1|avg_pool_3x3~2|", false)]
    // As NasiScorer builds it: fused kernels, weights folded as constants.
    [TestCase("|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_1x1~1|skip_connect~2|", true)]
    [TestCase("|none~0|+|nor_conv_1x1~0|none~1|+|avg_pool_3x3~0|skip_connect~1|nor_conv_3x3~2|", true)]
    public void LossGradientMatchesFiniteDifferencesAlongRandomDirections(string arch, bool asScored)
    {
        const int batch = 8;
        var cell = Nb201Cell.Parse(arch);
        var options = new Nb201NetworkOptions { C = 4, N = 1, InputSize = 16, Seed = 3 };
        var model = Nb201Network.Build(cell, options);
        var rng = new Rng(17);
        var x = GradientTestKit.Gaussian(rng, batch, 3, 16, 16);
        var labels = GradientTestKit.Labels(rng, batch, 10);
        var gradient = LossGradient.Build(model, x.Shape,
            options: asScored ? new GradientOptions { Kernels = GradientKernelMode.Fused, ConstantWeights = true } : null);
        var parameters = ParameterSet.Of(model).Names.ToList();
        var floats = new Dictionary<string, Tensor> { [Nb201Network.InputName] = x };
        var int64s = new Dictionary<string, long[]> { [gradient.Labels!] = labels };

        using var session = SessionFactory.Create(gradient.Model, GradientTestKit.Cpu);
        var grads = session.Run(floats, int64s, parameters.Select(p => gradient.Gradients[p]).ToList());
        // The reference: central differences of the loss of the independent float64 forward pass
        // (tests/Models/Nb201), with no float32 round-off, at a step small enough to cross no ReLU kink.
        var reference = new ReferenceNb201Forward(model, cell, options);
        var input = x.Data.Select(v => (double)v).ToArray();
        double Loss(Dictionary<string, float[]> u, double h)
        {
            var logits = reference.Perturbed(u, h).Run(input, batch);
            double total = 0;
            for (var n = 0; n < batch; n++)
            {
                var row = logits.AsSpan(n * 10, 10);
                var max = double.NegativeInfinity;
                foreach (var v in row) max = Math.Max(max, v);
                double sum = 0;
                foreach (var v in row) sum += Math.Exp(v - max);
                total += Math.Log(sum) + max - row[(int)labels[n]];
            }
            return total / batch;
        }

        for (var d = 0; d < 3; d++)
        {
            var direction = GradientTestKit.Direction(model, parameters, rng);
            var analytic = parameters.Select((p, i) => grads[i].Data.Zip(direction[p], (g, u) => (double)g * u).Sum()).Sum();
            // h = 1e-8: at 1e-6 a move of the whole θ already crosses a ReLU kink now and then (seen: 1.7 % off).
            const double h = 1e-8;
            var numeric = (Loss(direction, h) - Loss(direction, -h)) / (2 * h);
            Assert.That(analytic, Is.EqualTo(numeric).Within(1e-4 * Math.Abs(numeric) + 1e-6),
                $"direction {d} (seed 17): analytic {analytic:G8}, float64 finite difference {numeric:G8}");
        }
    }
}
