using NasiOnnx.Engine.Ntk;
using NasiOnnx.Engine.Runtime;
using NasiOnnx.Models.Nb201;

namespace NasiOnnx.Tests.Ntk;

public class ExactJacobianTests
{
    private static readonly RuntimeOptions Cpu = new() { Provider = ExecutionProvider.Cpu };

    [Test]
    public void LinearModelTraceIsTheClosedForm()
    {
        // f(x) = W x + b: ∂f_c/∂W = e_c xᵀ, ∂f_c/∂b = e_c, so T = Σ_i n (‖x_i‖² + 1).
        var model = NtkTestModels.Linear(d: 6, n: 4, seed: 2, out _, out _);
        var x = NtkTestModels.Inputs(5, 3, 6);
        var exact = ExactJacobian.Compute(model, x, Cpu);
        var expected = Enumerable.Range(0, 3).Sum(i => 4 * (Enumerable.Range(0, 6).Sum(k => (double)x.Data[i * 6 + k] * x.Data[i * 6 + k]) + 1));
        Assert.That(exact.Trace(), Is.EqualTo(expected).Within(1e-5 * expected));
        var gram = exact.Gram();
        // Θ[(i,c),(j,c')] = δ_cc' (x_i·x_j + 1).
        Assert.That(gram[0 * 4 + 1, 2 * 4 + 1], Is.EqualTo(Enumerable.Range(0, 6).Sum(k => (double)x.Data[k] * x.Data[12 + k]) + 1).Within(1e-5));
        Assert.That(gram[0 * 4 + 1, 2 * 4 + 3], Is.EqualTo(0).Within(1e-6));
    }

    [TestCase("|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_1x1~1|skip_connect~2|")]
    [TestCase("|avg_pool_3x3~0|+|none~0|nor_conv_3x3~1|+|nor_conv_1x1~0|none~1|none~2|")]
    public void FiniteDifferenceEstimatorAgreesWithTheExactTraceOnNb201(string arch)
    {
        var model = Nb201Network.Build(Nb201Cell.Parse(arch), new Nb201NetworkOptions { C = 4, N = 1, InputSize = 8, Seed = 4 });
        var x = NtkTestModels.Inputs(9, 3, 3, 8, 8);
        var exact = ExactJacobian.Compute(model, x, Cpu);
        var trueTrace = exact.Trace();

        var options = new NtkOptions { Probes = 64, Seed = 21, Provider = ExecutionProvider.Cpu };
        using var fd = NtkEstimator.Create(model, x, options);
        var estimate = fd.Trace();
        Assert.That(estimate.Trace, Is.EqualTo(trueTrace).Within(4 * estimate.StandardError),
            $"finite-difference estimate {estimate.Trace:G6} ± {estimate.StandardError:G3} vs exact {trueTrace:G6}");

        // Same probes through the exact rows: the two routes differ only by the finite differences' truncation
        // (ReLU kinks and BN curvature, which shrinks with the step) and float32 round-off.
        using var viaRows = new NtkEstimator([exact], options with { Workers = 1 });
        var sameProbes = viaRows.Trace();
        using var fine = NtkEstimator.Create(model, x, options with { Step = 1e-3 });
        var fineTrace = fine.Trace().Trace;
        Assert.That(fineTrace, Is.EqualTo(sameProbes.Trace).Within(2e-3 * sameProbes.Trace),
            $"step 1e-3: {fineTrace:G8}, step 1e-2: {estimate.Trace:G8}, exact rows: {sameProbes.Trace:G8}");
        Assert.That(estimate.Trace, Is.EqualTo(sameProbes.Trace).Within(0.02 * sameProbes.Trace));
        Assert.That(exact.Parameters, Is.EqualTo(fd.Parameters));
    }

    [Test]
    public void TooLargeAJacobianIsRefusedBeforeItIsBuilt()
    {
        var model = Nb201Network.Build(Nb201Cell.Default, new Nb201NetworkOptions { C = 4, N = 1, InputSize = 8 });
        var ex = Assert.Throws<NasiOnnx.Engine.NasiException>(() => ExactJacobian.Compute(model, NtkTestModels.Inputs(1, 3, 3, 8, 8), Cpu, maxFloats: 1000));
        Assert.That(ex!.Message, Does.Contain("too large"));
    }
}
