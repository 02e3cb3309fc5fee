using System.Text.RegularExpressions;
using NasiOnnx.Engine;
using NasiOnnx.Engine.Autodiff;
using NasiOnnx.Engine.Graphs;
using NasiOnnx.Engine.Runtime;
using NasiOnnx.Models.Nb201;

namespace NasiOnnx.Tests.Models.Nb201;

public class Nb201SupernetTests
{
    private static readonly Nb201NetworkOptions Tiny = new() { C = 4, N = 1, InputSize = 8, Seed = 9 };

    /// <summary>One-hot rows: 1 on the cell's op of each edge, in <see cref="Nb201Cell.Edges"/> order.</summary>
    private static Tensor OneHot(Nb201Cell cell)
    {
        var t = Tensor.Zeros(6, 5);
        var e = 0;
        foreach (var edge in cell.Edges) t.Data[e++ * 5 + (int)edge.Op] = 1f;
        return t;
    }

    [TestCase("|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_1x1~1|nor_conv_3x3~2|")]
    [TestCase("|avg_pool_3x3~0|+|skip_connect~0|none~1|+|none~0|none~1|skip_connect~2|")]
    [TestCase("|none~0|+|nor_conv_1x1~0|none~1|+|avg_pool_3x3~0|none~1|nor_conv_1x1~2|")]
    public void OneHotArchitectureWeightsComputeThatCellsNetwork(string text)
    {
        var cell = Nb201Cell.Parse(text);
        var supernet = Nb201Supernet.Build(Tiny);
        var network = Nb201Network.Build(cell, Tiny);
        // Weights outside the cells share names (and so values); an edge's conv is edge_t_f/conv/… in the network and
        // edge_t_f/{op name}/conv/… in the supernet, so copy those over.
        var edgeLayer = new Regex(@"^(?<edge>.*/edge_(?<to>\d)_(?<from>\d))/(?<rest>(conv|bn)/.*)$");
        var copied = 0;
        foreach (var init in network.Graph.Initializer.Select(i => i.Name).ToList())
        {
            var m = edgeLayer.Match(init);
            if (!m.Success) continue;
            var op = cell[int.Parse(m.Groups["to"].Value), int.Parse(m.Groups["from"].Value)];
            ModelRuns.SetWeights(network, init, ModelRuns.Weights(supernet, $"{m.Groups["edge"]}/{op.Name()}/{m.Groups["rest"]}"));
            copied++;
        }
        Assert.That(copied, Is.EqualTo(network.Graph.Initializer.Count(i => i.Name.Contains("/edge_"))));

        var input = ModelRuns.Gaussian(3, 2, 3, 8, 8);
        var expected = ModelRuns.Run(network, new Dictionary<string, Tensor> { ["input"] = input }, "logits")[0];
        var actual = ModelRuns.Run(supernet, new Dictionary<string, Tensor> { ["input"] = input, ["arch"] = OneHot(cell) }, "logits")[0];
        Assert.That(actual.Shape, Is.EqualTo(new long[] { 2, 10 }));
        Assert.That(actual.Data, Is.EqualTo(expected.Data).Within(1e-5));
    }

    [Test]
    public void ArchitectureGradientFlowsThroughTheAutodiffTransform()
    {
        var model = Nb201Supernet.Build(Tiny with { Batch = 2 });
        var grad = LossGradient.Build(model, [2, 3, 8, 8], wrtInputs: [Nb201Supernet.WeightsName]);
        using var session = SessionFactory.Create(grad.Model, new RuntimeOptions { Provider = ExecutionProvider.Cpu });
        var arch = ModelRuns.Gaussian(4, 6, 5);
        var g = session.Run(new Dictionary<string, Tensor> { ["input"] = ModelRuns.Gaussian(3, 2, 3, 8, 8), ["arch"] = arch },
            new Dictionary<string, long[]> { ["labels"] = [1, 4] }, ["grad/arch"])[0];
        Assert.That(g.Shape, Is.EqualTo(new long[] { 6, 5 }));
        Assert.That(g.Data, Has.All.Matches<float>(float.IsFinite));
        Assert.That(Enumerable.Range(0, 6).Select(e => g.Data[e * 5]), Is.All.EqualTo(0f), "'none' has no graph");
        Assert.That(g.Data.Count(v => v != 0), Is.EqualTo(24));

        // against a central difference of the loss (h = 1e-3: the loss curves strongly in A)
        const int k = 3 * 5 + (int)Nb201Op.NorConv3x3;
        const float h = 1e-3f;
        float Loss(float delta)
        {
            var a = arch with { Data = (float[])arch.Data.Clone() };
            a.Data[k] += delta;
            return session.Run(new Dictionary<string, Tensor> { ["input"] = ModelRuns.Gaussian(3, 2, 3, 8, 8), ["arch"] = a },
                new Dictionary<string, long[]> { ["labels"] = [1, 4] }, ["loss"])[0].Data[0];
        }
        var difference = (Loss(h) - Loss(-h)) / (2 * h);
        Assert.That(g.Data[k], Is.EqualTo(difference).Within(0.05 * Math.Abs(difference) + 2e-3));
    }

    [Test]
    public void ParameterCountIsTheSkeletonPlusEveryConvOnEveryEdge()
    {
        var options = Nb201NetworkOptions.Default;
        var skeleton = ParameterSet.Of(Nb201Network.Build(Nb201Presets.NoConv, options)).Count; // no parameters in its cells
        long perCellC = 0;
        foreach (var c in new long[] { 16, 32, 64 }) perCellC += 6 * ((c * c + 2 * c) + (9 * c * c + 2 * c)) * options.N;
        Assert.That(skeleton, Is.EqualTo(73_306));
        Assert.That(ParameterSet.Of(Nb201Supernet.Build(options)).Count, Is.EqualTo(skeleton + perCellC));
    }

    [Test]
    public void ArchIsOneGraphInputOfSixEdgesByFiveOps()
    {
        var model = Nb201Supernet.Build(Tiny);
        Assert.That(model.Graph.Input.Select(i => i.Name), Is.EqualTo(new[] { "input", "arch" }));
        Assert.That(model.Graph.Input[1].Type.TensorType.Shape.Dim.Select(d => d.DimValue), Is.EqualTo(new long[] { 6, 5 }));
    }

    [Test]
    public void FromWeightsTakesTheStrongestOpPerEdge()
    {
        var cell = Nb201Presets.SampleBestImageNet16;
        var w = OneHot(cell).Data;
        Assert.That(Nb201Cell.FromWeights(w), Is.EqualTo(cell));
        // ties go to the earlier op: an all-equal edge is 'none'
        w.AsSpan(0, 5).Fill(0.2f);
        Assert.That(Nb201Cell.FromWeights(w)[1, 0], Is.EqualTo(Nb201Op.None));
        Assert.That(Nb201Cell.FromWeights(OneHot(Nb201Presets.NoConv).Data), Is.EqualTo(Nb201Presets.NoConv));
    }

    [Test]
    public void FromWeightsCanLeaveNoneOut()
    {
        var w = new float[30];
        w[0 * 5 + (int)Nb201Op.None] = 2f;             // edge 0: none strongest, then avg_pool
        w[0 * 5 + (int)Nb201Op.AvgPool3x3] = 1f;
        w[1 * 5 + (int)Nb201Op.None] = 3f;             // edge 1: none strongest, the real ops tie: the earlier wins
        for (var e = 2; e < 6; e++) w[e * 5 + (int)Nb201Op.NorConv3x3] = 1f;
        Assert.That(Nb201Cell.FromWeights(w)[1, 0], Is.EqualTo(Nb201Op.None));
        var cell = Nb201Cell.FromWeights(w, excludeNone: true);
        Assert.That(cell[1, 0], Is.EqualTo(Nb201Op.AvgPool3x3));
        Assert.That(cell[2, 0], Is.EqualTo(Nb201Op.SkipConnect));
        Assert.That(cell[3, 2], Is.EqualTo(Nb201Op.NorConv3x3));
    }

    [Test]
    public void FromWeightsReportsBadWeights()
    {
        var ex = Assert.Throws<NasiException>(() => Nb201Cell.FromWeights(new float[29]))!;
        Assert.That(ex.Message, Does.Contain("29 values, expected 30"));
        var w = new float[30];
        w[7] = float.PositiveInfinity;
        ex = Assert.Throws<NasiException>(() => Nb201Cell.FromWeights(w))!;
        Assert.That(ex.Message, Does.Contain("[1, 2] (nor_conv_1x1) is ∞").Or.Contain("[1, 2] (nor_conv_1x1) is Infinity"));
    }
}
