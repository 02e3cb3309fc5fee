using NasiOnnx.Engine.Autodiff;
using NasiOnnx.Engine.Graphs;
using NasiOnnx.Engine.Runtime;
using NasiOnnx.Models.Darts;

namespace NasiOnnx.Tests.Models.Darts;

public class DartsSupernetTests
{
    private static readonly DartsSupernetOptions Tiny = new() { C = 4, Layers = 5, InputSize = 8, Seed = 5 };

    [Test]
    public void InputsAreTheImageAndTwoArchitectureWeightMatrices()
    {
        var model = DartsSupernet.Build(Tiny);
        Assert.That(model.Graph.Input.Select(i => i.Name), Is.EqualTo(new[] { "input", "arch_normal", "arch_reduce" }));
        foreach (var arch in model.Graph.Input.Skip(1))
            Assert.That(arch.Type.TensorType.Shape.Dim.Select(d => d.DimValue), Is.EqualTo(new long[] { 14, 8 }));
        Assert.That(model.Graph.Output.Single().Name, Is.EqualTo("logits"));
    }

    [TestCase(false)]
    [TestCase(true)]
    public void ParameterCountIsTheSumOverAllOpsOnAllEdges(bool affineCells)
    {
        var options = Tiny with { AffineCells = affineCells };
        Assert.That(ParameterSet.Of(DartsSupernet.Build(options)).Count,
            Is.EqualTo(DartsParameterCount.Supernet(options.C, options.Layers, options.Classes, affineCells)));
    }

    [Test]
    public void DefaultAndDartsSearchSizesHaveTheirClosedFormCounts()
    {
        Assert.That(ParameterSet.Of(DartsSupernet.Build(DartsSupernetOptions.Default)).Count, Is.EqualTo(DartsParameterCount.Supernet(8, 5, 10)));
        // DARTS's search size: the integer is the closed form's, pinned so a change to either shows
        Assert.That(ParameterSet.Of(DartsSupernet.Build(DartsSupernetOptions.DartsSearch)).Count, Is.EqualTo(1_930_618));
        Assert.That(DartsParameterCount.Supernet(16, 8, 10), Is.EqualTo(1_930_618));
    }

    [Test]
    public void NonAffineBatchNormsHaveNoParameters()
    {
        var model = DartsSupernet.Build(Tiny);
        var names = ParameterSet.Of(model).Names.ToList();
        Assert.That(names, Does.Contain("stem/bn/scale"), "the stem BN is affine, as in DARTS");
        Assert.That(names.Where(n => n.StartsWith("cell", StringComparison.Ordinal)), Has.None.EndsWith("/scale").And.None.EndsWith("/bias"));
        // Their fixed scale and bias come from ConstantOfShape nodes: not initializers, and not Constant nodes, which
        // ModelNormalizer.ConstantsToInitializers would make parameters.
        var pool = model.Graph.Node.Single(n => n.Name == "cell0/edge_2_0/max_pool_3x3/bn");
        Assert.That(pool.Input[1], Is.EqualTo("const/bn_ones_4"));
        Assert.That(model.Graph.Node.Single(n => n.Output[0] == "const/bn_ones_4").OpType, Is.EqualTo("ConstantOfShape"));

        var count = ParameterSet.Of(model).Count;
        Assert.That(ModelNormalizer.ConstantsToInitializers(model), Is.Zero);
        Assert.That(ParameterSet.Of(model).Count, Is.EqualTo(count));

        var affine = ParameterSet.Of(DartsSupernet.Build(Tiny with { AffineCells = true })).Names.ToList();
        Assert.That(affine, Does.Contain("cell0/edge_2_0/sep_conv_3x3/bn1/scale"));
        Assert.That(affine, Has.None.Contains("pool_3x3/bn/"), "the BN after pooling is never affine");
    }

    [Test]
    public void RunsOnSoftmaxedWeightsAndEveryWeightMatters()
    {
        using var session = SessionFactory.Create(DartsSupernet.Build(Tiny), new RuntimeOptions { Provider = ExecutionProvider.Cpu });
        var input = ModelRuns.Gaussian(1, 2, 3, 8, 8);
        Tensor Logits(Tensor normal, Tensor reduce) =>
            session.Run(new Dictionary<string, Tensor> { ["input"] = input, ["arch_normal"] = normal, ["arch_reduce"] = reduce }, null, ["logits"])[0];
        var normal = Softmaxed(2);
        var reduce = Softmaxed(3);
        var logits = Logits(normal, reduce);
        Assert.That(logits.Shape, Is.EqualTo(new long[] { 2, 10 }));
        Assert.That(logits.Data, Has.All.Matches<float>(float.IsFinite));

        var changed = reduce with { Data = (float[])reduce.Data.Clone() };
        changed.Data[DartsSupernet.EdgeIndex(4, 1) * 8 + (int)DartsOp.SepConv5x5] += 0.5f;
        Assert.That(Logits(normal, changed).Data, Is.Not.EqualTo(logits.Data).Within(1e-6));

        var noneOnly = normal with { Data = (float[])normal.Data.Clone() };
        noneOnly.Data[DartsSupernet.EdgeIndex(5, 3) * 8 + (int)DartsOp.None] += 0.5f;
        Assert.That(Logits(noneOnly, reduce).Data, Is.EqualTo(logits.Data), "'none' contributes zero whatever its weight");
    }

    [Test]
    public void ZeroWeightsSilenceEveryCell()
    {
        // With A = 0 every node is zero, so each later cell sees zeros (ReLU-Conv-BN of zeros is zero in training-mode
        // BN without affine bias) and the logits are the classifier's bias: no op reaches the output unweighted.
        var model = DartsSupernet.Build(Tiny);
        var zeros = Tensor.Zeros(14, 8);
        var logits = Run(model, ModelRuns.Gaussian(1, 2, 3, 8, 8), zeros, zeros);
        var bias = ModelRuns.Weights(model, "head/fc/b");
        Assert.That(logits.Data, Is.EqualTo(bias.Concat(bias).ToArray()).Within(1e-6));
    }

    [Test]
    public void EdgesAreNumberedInDartsOrder()
    {
        var expected = new List<(int, int)>();
        for (var node = 2; node < 6; node++)
            for (var input = 0; input < node; input++) expected.Add((node, input));
        Assert.That(expected.Select(e => DartsSupernet.EdgeIndex(e.Item1, e.Item2)), Is.EqualTo(Enumerable.Range(0, 14)));
        Assert.Throws<ArgumentOutOfRangeException>(() => DartsSupernet.EdgeIndex(3, 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => DartsSupernet.EdgeIndex(6, 0));
    }

    [Test]
    public void BadOptionsAreReported()
    {
        var ex = Assert.Throws<NasiOnnx.Engine.NasiException>(() => DartsSupernet.Build(Tiny with { C = 0, Classes = 0 }))!;
        Assert.That(ex.Message, Does.Contain("C must be at least 1").And.Contain("Classes must be at least 1"));
    }

    [Test]
    public void ArchitectureGradientFlowsThroughTheAutodiffTransform()
    {
        // One cell, a reduction cell (Layers = 1): every op, strided, FactorizedReduce and the pooling BNs, at a gradient
        // model size whose session builds in seconds (a normal cell too, Layers = 3, takes half a minute here).
        var model = DartsSupernet.Build(Tiny with { Layers = 1, Batch = 2 });
        var grad = LossGradient.Build(model, [2, 3, 8, 8], wrtInputs: [DartsSupernet.NormalWeightsName, DartsSupernet.ReduceWeightsName]);
        using var session = SessionFactory.Create(grad.Model, new RuntimeOptions { Provider = ExecutionProvider.Cpu });
        var input = ModelRuns.Gaussian(1, 2, 3, 8, 8);
        long[] labels = [3, 7];
        var normal = Softmaxed(2);
        Tensor[] Step(Tensor reduce) => session.Run(
            new Dictionary<string, Tensor> { ["input"] = input, ["arch_normal"] = normal, ["arch_reduce"] = reduce },
            new Dictionary<string, long[]> { ["labels"] = labels },
            ["loss", "grad/arch_normal", "grad/arch_reduce"]);

        var reduce = Softmaxed(3);
        var outputs = Step(reduce);
        Assert.That(outputs[1].Data, Is.All.EqualTo(0f), "no normal cell in a one-cell supernet");
        var g = outputs[2];
        Assert.That(g.Shape, Is.EqualTo(new long[] { 14, 8 }));
        Assert.That(g.Data, Has.All.Matches<float>(float.IsFinite));
        Assert.That(Enumerable.Range(0, 14).Select(e => g.Data[e * 8 + (int)DartsOp.None]), Is.All.EqualTo(0f), "'none' has no graph");
        Assert.That(g.Data.Count(v => v != 0), Is.EqualTo(14 * 7));

        // ∂loss/∂A against central differences of the loss. The loss curves strongly in A: float32 differences need a
        // step near 1e-3 (measured: 1e-2 is off by up to 30 %, 1e-3 within 2 %).
        foreach (var (node, from, op) in new[] { (2, 0, DartsOp.SkipConnect), (4, 3, DartsOp.SepConv5x5), (5, 1, DartsOp.MaxPool3x3) })
        {
            var k = DartsSupernet.EdgeIndex(node, from) * 8 + (int)op;
            const float h = 1e-3f;
            var plus = reduce with { Data = (float[])reduce.Data.Clone() };
            var minus = reduce with { Data = (float[])reduce.Data.Clone() };
            plus.Data[k] += h;
            minus.Data[k] -= h;
            var difference = (Step(plus)[0].Data[0] - Step(minus)[0].Data[0]) / (2 * h);
            Assert.That(g.Data[k], Is.EqualTo(difference).Within(0.05 * Math.Abs(difference) + 2e-3), $"edge {node}←{from}, {op.Name()}");
        }
    }

    /// <summary>
    /// Cost of the supernet at search sizes on this machine, batch 64, 32×32, training-mode BN, two intra-op threads:
    /// one forward pass (median of 3 after a warm-up), the float activations a gradient pass keeps (every node output,
    /// from a probe at batch 8, times 8), and one loss + gradient pass (θ and both arch inputs) where those fit in
    /// 4 GB. Explicit: it takes minutes; the figures are recorded in <see cref="DartsSupernet"/>'s remarks.
    /// </summary>
    [Explicit("measurement, minutes")]
    [TestCase(8, 5)]
    [TestCase(16, 5)]
    [TestCase(16, 8)]
    public void MeasureForwardTimeAndMemory(int c, int layers)
    {
        const int batch = 64;
        var threads = new RuntimeOptions { Provider = ExecutionProvider.Cpu, IntraOpThreads = 2 };
        var model = DartsSupernet.Build(new DartsSupernetOptions { C = c, Layers = layers, Batch = batch });
        var inputs = new Dictionary<string, Tensor>
        {
            ["input"] = ModelRuns.Gaussian(1, batch, 3, 32, 32), ["arch_normal"] = Softmaxed(2), ["arch_reduce"] = Softmaxed(3),
        };
        double forward;
        using (var session = SessionFactory.Create(model, threads)) forward = MedianMs(() => session.Run(inputs, null, ["logits"]));

        var small = DartsSupernet.Build(new DartsSupernetOptions { C = c, Layers = layers });
        var shapes = StaticShapes.Probe(small, new Dictionary<string, long[]> { ["input"] = [8, 3, 32, 32] });
        var activationBytes = small.Graph.Node.SelectMany(n => n.Output)
            .Where(o => o.Length > 0 && shapes.IsFloat(o)).Sum(o => Tensor.Count(shapes.Shape(o)) * 4L) * (batch / 8);

        var line = $"C={c} layers={layers}: {ParameterSet.Of(model).Count:N0} parameters, {model.Graph.Node.Count:N0} nodes; " +
                   $"forward {forward:F0} ms; activations {activationBytes / 1e9:F2} GB";
        if (activationBytes < 4e9)
        {
            var grad = LossGradient.Build(model, [batch, 3, 32, 32], wrtInputs: [DartsSupernet.NormalWeightsName, DartsSupernet.ReduceWeightsName]);
            using var session = SessionFactory.Create(grad.Model, threads);
            var labels = new Dictionary<string, long[]> { ["labels"] = Enumerable.Range(0, batch).Select(i => (long)(i % 10)).ToArray() };
            var step = MedianMs(() => session.Run(inputs, labels, ["loss", "grad/arch_normal"]));
            using var process = System.Diagnostics.Process.GetCurrentProcess();
            line += $"; loss + gradient {step:F0} ms; peak working set {process.PeakWorkingSet64 / 1e9:F2} GB";
        }
        TestContext.Out.WriteLine(line);
    }

    private static double MedianMs(Action run)
    {
        run();
        var times = new List<double>();
        for (var i = 0; i < 3; i++)
        {
            var sw = System.Diagnostics.Stopwatch.StartNew();
            run();
            times.Add(sw.Elapsed.TotalMilliseconds);
        }
        return times.Order().ElementAt(1);
    }

    private static Tensor Run(Onnx.ModelProto model, Tensor input, Tensor normal, Tensor reduce) =>
        ModelRuns.Run(model, new Dictionary<string, Tensor> { ["input"] = input, ["arch_normal"] = normal, ["arch_reduce"] = reduce }, "logits")[0];

    /// <summary>Row-wise softmax of seeded N(0, 1) logits: weights as the search supplies them.</summary>
    private static Tensor Softmaxed(ulong seed)
    {
        var t = ModelRuns.Gaussian(seed, 14, 8);
        for (var e = 0; e < 14; e++)
        {
            var row = t.Data.AsSpan(e * 8, 8);
            var max = row.ToArray().Max();
            double sum = 0;
            for (var k = 0; k < 8; k++) sum += row[k] = MathF.Exp(row[k] - max);
            for (var k = 0; k < 8; k++) row[k] = (float)(row[k] / sum);
        }
        return t;
    }
}
