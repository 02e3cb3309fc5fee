using NasiOnnx.Engine.Graphs;
using NasiOnnx.Engine.Init;
using NasiOnnx.Models.Darts;
using NasiOnnx.Models.Layers;
using Onnx;

namespace NasiOnnx.Tests.Models.Darts;

/// <summary>Each DARTS op and FactorizedReduce, run by ONNX Runtime in float32, against the float64 <see cref="Reference64"/>.</summary>
public class DartsOpsReferenceTests
{
    private const int Batch = 2, Channels = 4;

    // float32 accumulation over at most 2·25 + 4 terms of unit size, twice (sep convs): 1e-5 leaves ample margin.
    private const double Tolerance = 1e-5;

    /// <summary>Every op with a graph (not <c>none</c>, not the stride-1 identity) at both strides, on even and odd sizes.</summary>
    public static IEnumerable<TestCaseData> OpCases =>
        from op in Enum.GetValues<DartsOp>()
        from stride in new[] { 1, 2 }
        from size in new[] { 6, 7 }
        where op != DartsOp.None && !(op == DartsOp.SkipConnect && stride == 1)
        select new TestCaseData(op, stride, size);

    [TestCaseSource(nameof(OpCases))]
    public void EveryOpMatchesTheFloat64Reference(DartsOp op, int stride, int size)
    {
        var (model, input) = SingleOp(size, (layers, x) => DartsOps.Build(layers, "op", op, x, Channels, stride, size));
        var w = (string name) => ModelRuns.Weights(model, name);
        var x = Reference64.From(input.Data, Batch, Channels, size, size);
        var k = op is DartsOp.SepConv5x5 or DartsOp.DilConv5x5 ? 5 : 3;
        var expected = op switch
        {
            DartsOp.MaxPool3x3 => x.Pool3x3(stride, max: true),
            DartsOp.AvgPool3x3 => x.Pool3x3(stride, max: false),
            DartsOp.SkipConnect => FactorizedReduce(x, w, "op", Channels),
            DartsOp.SepConv3x3 or DartsOp.SepConv5x5 => x
                .Relu().Conv(w("op/dw1/W"), Channels, k, stride, k / 2, groups: Channels).Conv(w("op/pw1/W"), Channels, 1).BatchNormAtInit()
                .Relu().Conv(w("op/dw2/W"), Channels, k, 1, k / 2, groups: Channels).Conv(w("op/pw2/W"), Channels, 1).BatchNormAtInit(),
            _ => x.Relu().Conv(w("op/dw/W"), Channels, k, stride, k - 1, dilation: 2, groups: Channels).Conv(w("op/pw/W"), Channels, 1).BatchNormAtInit(),
        };
        var actual = ModelRuns.Run(model, new Dictionary<string, Tensor> { ["x"] = input }, model.Graph.Output[0].Name)[0];
        var side = (size - 1) / stride + 1;
        Assert.That(actual.Shape, Is.EqualTo(new long[] { Batch, Channels, side, side }));
        Assert.That(actual.Data.Select(v => (double)v), Is.EqualTo(expected.Data).Within(Tolerance));
    }

    [Test]
    public void FactorizedReduceChangesChannelsAndHalvesOddAndEvenSizes([Values(5, 8)] int size)
    {
        var (model, input) = SingleOp(size, (layers, x) => layers.FactorizedReduce("fr", x, Channels, 6, size));
        var expected = FactorizedReduce(Reference64.From(input.Data, Batch, Channels, size, size), n => ModelRuns.Weights(model, n), "fr", 6);
        var actual = ModelRuns.Run(model, new Dictionary<string, Tensor> { ["x"] = input }, model.Graph.Output[0].Name)[0];
        Assert.That(actual.Shape, Is.EqualTo(new long[] { Batch, 6, (size + 1) / 2, (size + 1) / 2 }));
        Assert.That(actual.Data.Select(v => (double)v), Is.EqualTo(expected.Data).Within(Tolerance));
    }

    /// <summary>ReLU → [conv_1 on x at stride 2 ‖ conv_2 on x shifted by one pixel at stride 2] → BN.</summary>
    private static Reference64 FactorizedReduce(Reference64 x, Func<string, float[]> w, string scope, int outChannels)
    {
        var r = x.Relu();
        var a = r.Conv(w(scope + "/conv_1/W"), outChannels / 2, 1, stride: 2);
        var b = r.ShiftedStride2().Conv(w(scope + "/conv_2/W"), outChannels / 2, 1);
        return Reference64.ConcatChannels(a, b).BatchNormAtInit();
    }

    /// <summary>A graph of one layer on input x [2, 4, size, size], BN in inference mode (its init statistics), and a seeded input.</summary>
    private static (ModelProto, Tensor) SingleOp(int size, Func<LayerBuilder, string, string> emit)
    {
        var g = GraphBuilder.Create("op");
        var layers = new LayerBuilder(g, new WeightSampler(11), BatchNormMode.Inference);
        var x = g.Input("x", ElementType.Float, Batch, Channels, size, size);
        g.Output(emit(layers, x), ElementType.Float);
        return (g.Model, ModelRuns.Gaussian(12, Batch, Channels, size, size));
    }
}
