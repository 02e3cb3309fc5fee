using NasiOnnx.Engine.Graphs;
using NasiOnnx.Engine.Init;
using NasiOnnx.Models.Nb201;

namespace NasiOnnx.Tests.Models.Nb201;

/// <summary>ONNX Runtime's float32 logits against <see cref="ReferenceNb201Forward"/>'s float64 ones on a small network.</summary>
public class Nb201ReferenceTests
{
    /// <summary>float32 through ~20 layers with batch-statistics BN over few values: a few 1e-6 is typical.</summary>
    private const double Tolerance = 1e-4;

    private static IEnumerable<TestCaseData> Cases()
    {
        var cells = new (string Name, string Text)[]
        {
            ("none", "|none~0|+|none~0|none~1|+|none~0|none~1|none~2|"),
            ("mostly-none", "|none~0|+|none~0|none~1|+|skip_connect~0|none~1|none~2|"),
            ("skip", Nb201Cell.Uniform(Nb201Op.SkipConnect).ToString()),
            ("conv1x1", Nb201Cell.Uniform(Nb201Op.NorConv1x1).ToString()),
            ("conv3x3", Nb201Cell.Uniform(Nb201Op.NorConv3x3).ToString()),
            ("avgpool", Nb201Cell.Uniform(Nb201Op.AvgPool3x3).ToString()),
            ("mixed", "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_1x1~1|skip_connect~2|"),
            ("zero-node", "|none~0|+|skip_connect~0|nor_conv_3x3~1|+|avg_pool_3x3~0|nor_conv_1x1~1|nor_conv_3x3~2|"),
        };
        foreach (var (name, text) in cells)
            foreach (var mode in new[] { BatchNormMode.Training, BatchNormMode.Inference })
                yield return new TestCaseData(text, mode).SetName($"OnnxRuntimeMatchesTheFloat64Reference_{name}_{mode}");
    }

    [TestCaseSource(nameof(Cases))]
    public void OnnxRuntimeMatchesTheFloat64Reference(string text, BatchNormMode mode)
    {
        const int batch = 3;
        var cell = Nb201Cell.Parse(text);
        var options = new Nb201NetworkOptions { C = 4, N = 1, InputSize = 8, Classes = 5, BatchNorm = mode, Seed = 11 };
        var model = Nb201Network.Build(cell, options);

        var input = Tensor.Zeros(batch, 3, 8, 8);
        new Rng(42).FillGaussian(input.Data);
        using var session = NasiOnnx.Engine.Runtime.SessionFactory.Create(model,
            new NasiOnnx.Engine.Runtime.RuntimeOptions { Provider = NasiOnnx.Engine.Runtime.ExecutionProvider.Cpu });
        var actual = session.Run(new Dictionary<string, Tensor> { ["input"] = input }, null, ["logits"])[0];

        var expected = new ReferenceNb201Forward(model, cell, options).Run(input.Data.Select(v => (double)v).ToArray(), batch);
        Assert.That(actual.Shape, Is.EqualTo(new long[] { batch, 5 }));
        var scale = expected.Max(Math.Abs);
        var error = expected.Zip(actual.Data, (e, a) => Math.Abs(e - a)).Max() / scale;
        TestContext.Out.WriteLine($"max error relative to max |logit| {scale:G4}: {error:E2}");
        Assert.That(error, Is.LessThan(Tolerance), $"ORT {string.Join(", ", actual.Data)}\nref {string.Join(", ", expected)}");
    }

    [Test]
    public void TheReferenceSeesWhatTheCellChanges()
    {
        // Guards against a reference that ignores the cell: two cells must give different logits.
        var options = new Nb201NetworkOptions { C = 4, N = 1, InputSize = 8, Classes = 5, Seed = 11 };
        var input = new double[2 * 3 * 8 * 8];
        var rng = new Rng(1);
        for (var i = 0; i < input.Length; i++) input[i] = rng.NextGaussian();
        var a = Nb201Cell.Uniform(Nb201Op.SkipConnect);
        var b = a.With(3, 0, Nb201Op.AvgPool3x3);
        var ya = new ReferenceNb201Forward(Nb201Network.Build(a, options), a, options).Run(input, 2);
        var yb = new ReferenceNb201Forward(Nb201Network.Build(b, options), b, options).Run(input, 2);
        Assert.That(ya.Zip(yb, (p, q) => Math.Abs(p - q)).Max(), Is.GreaterThan(1e-3));
    }
}
