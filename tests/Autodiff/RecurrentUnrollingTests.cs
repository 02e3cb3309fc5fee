using NasiOnnx.Engine;
using NasiOnnx.Engine.Autodiff;
using NasiOnnx.Engine.Graphs;
using NasiOnnx.Engine.Init;
using NasiOnnx.Engine.Runtime;
using Onnx;

namespace NasiOnnx.Tests.Autodiff;

/// <summary>
/// The unrolling the recurrent gradient rules differentiate must compute what ONNX Runtime's own LSTM, GRU and RNN
/// compute: every output of every recurrent gradient case, batch-first ones against the sequence-first node between
/// Transposes (<see cref="ModelNormalizer.RecurrentToSequenceFirst"/>), (and of cases with kinked activations, which the
/// finite-difference table avoids), to 1e-5 of the output's largest magnitude.
/// </summary>
public class RecurrentUnrollingTests
{
    private static readonly RuntimeOptions Cpu = new() { Provider = ExecutionProvider.Cpu, IntraOpThreads = 1 };

    private static IEnumerable<GradientCase> Cases()
    {
        foreach (var c in GradientCases.All().Where(c => c.OpType is "LSTM" or "GRU" or "RNN"))
            yield return c with { Seeded = Enumerable.Range(0, c.Outputs).ToArray() }; // every output, whatever the case seeds
        AttributeProto Acts(params string[] names)
        {
            var a = new AttributeProto { Name = "activations", Type = AttributeProto.Types.AttributeType.Strings };
            a.Strings.AddRange(names.Select(Google.Protobuf.ByteString.CopyFromUtf8));
            return a;
        }
        var rnn = GradientCases.All().First(c => c.Name == "RNN bidirectional, sequence_lens, initial_h, Y Y_h");
        yield return rnn with { Name = "RNN Relu", Attributes = [.. rnn.Attributes, Acts("Relu", "Relu")], Seeded = [0, 1] };
        var lstm = GradientCases.All().First(c => c.Name.StartsWith("LSTM bidirectional", StringComparison.Ordinal));
        yield return lstm with
        {
            Name = "LSTM HardSigmoid LeakyRelu Relu, clip",
            Attributes = [.. lstm.Attributes, Acts("HardSigmoid", "LeakyRelu", "Relu", "Sigmoid", "Relu", "Tanh"),
                Attr.Floats("activation_alpha", 0.3f, 0.05f), Attr.Floats("activation_beta", 0.4f), Attr.Float("clip", 0.8f)],
        };
        // A clip far below the cell state's size: ONNX Runtime clips the gates' inputs, not C before h(C).
        yield return lstm with { Name = "LSTM clip 0.1", Attributes = [.. lstm.Attributes, Attr.Float("clip", 0.1f)] };
        var full = lstm.Inputs.ToArray();
        full[4] = CaseInput.Int32s(3, 3, 3); // every sample at full length: the masks are left out
        yield return lstm with { Name = "LSTM bidirectional, sequence_lens all full", Inputs = full };
        var gru = GradientCases.All().First(c => c.Name.StartsWith("GRU bidirectional", StringComparison.Ordinal));
        yield return gru with { Name = "GRU Relu, HardSigmoid defaults", Attributes = [.. gru.Attributes, Acts("HardSigmoid", "Relu", "Sigmoid", "Tanh")], Seeded = [0, 1] };
    }

    [TestCaseSource(nameof(Cases))]
    public void UnrolledForwardEqualsOnnxRuntime(GradientCase c)
    {
        // The reference is ONNX Runtime's node; batch-first (layout 1), which it refuses, as sequence-first between
        // Transposes, while the unrolling reads the node as written.
        var (model, values) = GradientCheckTests.OneNodeModel(c, Rng.For(11, c.Name));
        var (written, _) = GradientCheckTests.OneNodeModel(c, Rng.For(11, c.Name), asWritten: true);
        var outputs = model.Graph.Output.Select(o => o.Name).ToList();
        var unrolled = RecurrentUnrolling.Unroll(written, values.ToDictionary(kv => kv.Key, kv => kv.Value.Shape));
        Assert.That(unrolled.Graph.Node.Any(n => n.OpType == c.OpType), Is.False, "the recurrent node is replaced");
        using var native = SessionFactory.Create(model, Cpu);
        using var steps = SessionFactory.Create(unrolled, Cpu);
        var expected = native.Run(values, null, outputs);
        var actual = steps.Run(values, null, outputs);
        for (var o = 0; o < outputs.Count; o++)
        {
            Assert.That(actual[o].Shape, Is.EqualTo(expected[o].Shape), $"{c.Name}: shape of output {c.SeededOutputs[o]}");
            var scale = Math.Max(expected[o].Data.Max(Math.Abs), 1e-3f);
            var worst = expected[o].Data.Zip(actual[o].Data, (e, a) => Math.Abs(e - a)).Max();
            Assert.That(worst, Is.LessThan(1e-5 * scale), $"{c.Name}: output {c.SeededOutputs[o]} (largest |value| {scale})");
        }
    }

    [Test]
    public void PadPositionsAreZeroAndStatesComeFromEachSamplesLastStep()
    {
        // The property the masks implement, checked directly on ONNX Runtime's op and on the unrolling alike.
        var c = GradientCases.All().First(c => c.Name.StartsWith("LSTM bidirectional", StringComparison.Ordinal)) with { Seeded = [0, 1] };
        var (model, values) = GradientCheckTests.OneNodeModel(c, Rng.For(3, c.Name));
        var unrolled = RecurrentUnrolling.Unroll(model, values.ToDictionary(kv => kv.Key, kv => kv.Value.Shape));
        using var session = SessionFactory.Create(unrolled, Cpu);
        var result = session.Run(values, null, ["y0", "y1"]);
        var (y, yh) = (result[0], result[1]); // Y [T=3, D=2, B=3, H=2], Y_h [D, B, H]; lengths 3, 1, 2
        float Y(int t, int d, int b, int h) => y.Data[((t * 2 + d) * 3 + b) * 2 + h];
        float Yh(int d, int b, int h) => yh.Data[(d * 3 + b) * 2 + h];
        long[] lengths = [3, 1, 2];
        for (var b = 0; b < 3; b++)
        for (var h = 0; h < 2; h++)
        {
            for (var t = (int)lengths[b]; t < 3; t++)
                Assert.That(Y(t, 0, b, h) == 0 && Y(t, 1, b, h) == 0, $"sample {b} step {t} is a pad");
            Assert.That(Yh(0, b, h), Is.EqualTo(Y((int)lengths[b] - 1, 0, b, h)), $"forward Y_h of sample {b}");
            Assert.That(Yh(1, b, h), Is.EqualTo(Y(0, 1, b, h)), $"reverse Y_h of sample {b}");
        }
    }

    [TestCase("Softsign")]
    [TestCase("ThresholdedRelu")]
    public void AnActivationWithoutAnExactFormIsRefusedNamingTheNode(string activation)
    {
        var c = GradientCases.All().First(c => c.Name == "RNN forward, Y");
        var a = new AttributeProto { Name = "activations", Type = AttributeProto.Types.AttributeType.Strings };
        a.Strings.Add(Google.Protobuf.ByteString.CopyFromUtf8(activation));
        var (model, values) = GradientCheckTests.OneNodeModel(c with { Attributes = [.. c.Attributes, a] }, Rng.For(1, activation));
        var shapes = values.ToDictionary(kv => kv.Key, kv => kv.Value.Shape);
        var e = Assert.Throws<GraphException>(() => Vjp.Build(model, [GradientSeed.FromInput("y0")], shapes, values.Keys.ToList()));
        Assert.That(e!.Message, Does.Contain("RNN").And.Contain(activation));
    }
}
