using NasiOnnx.Engine.Graphs;
using NasiOnnx.Engine.Init;
using NasiOnnx.Engine.Ntk;
using NasiOnnx.Engine.Runtime;

namespace NasiOnnx.Tests.Ntk;

public class FiniteDifferenceJvpTests
{
    private static readonly RuntimeOptions Cpu = new() { Provider = ExecutionProvider.Cpu, IntraOpThreads = 1 };

    [TestCase(1e-3, DifferenceScheme.Central)]
    [TestCase(1e-2, DifferenceScheme.Central)]
    [TestCase(1e-1, DifferenceScheme.Central)]
    [TestCase(1e-2, DifferenceScheme.Forward)]
    [TestCase(1e-1, DifferenceScheme.Forward)]
    public void LinearJvMatchesTheAnalyticProductWithinFloat32Accuracy(double step, DifferenceScheme scheme)
    {
        const int d = 7, n = 4, batch = 5;
        var model = NtkTestModels.Linear(d, n, seed: 3, out _, out _);
        var x = NtkTestModels.Inputs(3, batch, d);
        var p = ParameterizedModel.Of(model);
        using var jvp = new FiniteDifferenceJvp(p, x, Cpu, step, scheme);
        var v = new float[p.Count];
        Rng.For(11, "v").FillGaussian(v);

        var actual = new double[batch * n];
        jvp.Multiply(v, actual);

        var vw = v.AsSpan(Slot(p, "W").Offset, n * d).ToArray();
        var vb = v.AsSpan(Slot(p, "B").Offset, n).ToArray();
        double errorSq = 0, normSq = 0;
        for (var i = 0; i < batch; i++)
        for (var c = 0; c < n; c++)
        {
            double expected = vb[c];
            for (var j = 0; j < d; j++) expected += (double)x.Data[i * d + j] * vw[c * d + j];
            errorSq += Math.Pow(actual[i * n + c] - expected, 2);
            normSq += expected * expected;
        }
        // float32 outputs of size O(1) differenced over 2h: relative error ≈ 1e-7·‖v‖/‖hv‖ ≲ 1e-3 here.
        Assert.That(Math.Sqrt(errorSq / normSq), Is.LessThan(2e-3), $"step {step}, {scheme}");
    }

    [Test]
    public void ParametersAreRestoredExactlyAfterEachProduct()
    {
        var model = NtkTestModels.ConvBn(channels: 4, classes: 3, seed: 5);
        var x = NtkTestModels.Inputs(5, 6, 3, 8, 8);
        var p = ParameterizedModel.Of(model);
        using var jvp = new FiniteDifferenceJvp(p, x, Cpu);
        var before = jvp.Forward();
        var v = new float[p.Count];
        var jv = new double[jvp.BatchSize * jvp.Outputs];
        for (var k = 0; k < 5; k++)
        {
            Rng.For(7, $"v{k}").FillGaussian(v);
            jvp.Multiply(v, jv);
        }
        Assert.That(jvp.Forward(), Is.EqualTo(before));
    }

    [Test]
    public void ZeroDirectionGivesZeroWithoutRunning()
    {
        var model = NtkTestModels.Linear(3, 2, seed: 1, out _, out _);
        using var jvp = new FiniteDifferenceJvp(ParameterizedModel.Of(model), NtkTestModels.Inputs(1, 2, 3), Cpu);
        var jv = new double[4];
        jv.AsSpan().Fill(9);
        jvp.Multiply(new float[jvp.Parameters], jv);
        Assert.That(jv, Is.All.EqualTo(0));
    }

    [TestCase(0.0)]
    [TestCase(-1e-2)]
    [TestCase(double.NaN)]
    public void BadStepIsRejectedNamingTheValue(double step)
    {
        var model = NtkTestModels.Linear(3, 2, seed: 1, out _, out _);
        var ex = Assert.Throws<NasiOnnx.Engine.NasiException>(() =>
            new FiniteDifferenceJvp(ParameterizedModel.Of(model), NtkTestModels.Inputs(1, 2, 3), Cpu, step));
        Assert.That(ex!.Message, Does.Contain($"{step}"));
    }

    [Test]
    public void WrongDirectionLengthIsRejected()
    {
        var model = NtkTestModels.Linear(3, 2, seed: 1, out _, out _);
        using var jvp = new FiniteDifferenceJvp(ParameterizedModel.Of(model), NtkTestModels.Inputs(1, 2, 3), Cpu);
        var ex = Assert.Throws<NasiOnnx.Engine.NasiException>(() => jvp.Multiply(new float[3], new double[4]));
        Assert.That(ex!.Message, Does.Contain("length 3"));
    }

    private static ParameterSlot Slot(ParameterizedModel p, string name) => p.Parameters.Single(s => s.Name == name);
}
