using NasiOnnx.Engine.Graphs;
using NasiOnnx.Engine.Init;
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
        Assert.That(ParameterSet.Of(DartsSupernet.Build(DartsSupernetOptions.Default)).Count,
            Is.EqualTo(DartsParameterCount.Supernet(16, 8, 10)));
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

        var affine = ParameterSet.Of(DartsSupernet.Build(Tiny with { AffineCells = true })).Names.ToList();
        Assert.That(affine, Does.Contain("cell0/edge_2_0/sep_conv_3x3/bn1/scale"));
        Assert.That(affine, Has.None.Contains("pool_3x3/bn/"), "the BN after pooling is never affine");
    }

    [Test]
    public void RunsOnSoftmaxedWeightsAndEveryWeightMatters()
    {
        var model = DartsSupernet.Build(Tiny);
        var input = ModelRuns.Gaussian(1, 2, 3, 8, 8);
        var normal = Softmaxed(2);
        var reduce = Softmaxed(3);
        var logits = Run(model, input, normal, reduce);
        Assert.That(logits.Shape, Is.EqualTo(new long[] { 2, 10 }));
        Assert.That(logits.Data, Has.All.Matches<float>(float.IsFinite));

        var changed = reduce with { Data = (float[])reduce.Data.Clone() };
        changed.Data[DartsSupernet.EdgeIndex(4, 1) * 8 + (int)DartsOp.SepConv5x5] += 0.5f;
        Assert.That(Run(model, input, normal, changed).Data, Is.Not.EqualTo(logits.Data).Within(1e-6));

        var noneOnly = normal with { Data = (float[])normal.Data.Clone() };
        noneOnly.Data[DartsSupernet.EdgeIndex(5, 3) * 8 + (int)DartsOp.None] += 0.5f;
        Assert.That(Run(model, input, noneOnly, reduce).Data, Is.EqualTo(logits.Data), "'none' contributes zero whatever its weight");
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

    /// <summary>
    /// Cost of the supernet at search sizes on this machine (batch 64, 32×32, training-mode BN, forward only, two
    /// intra-op threads). Explicit: it takes minutes; the figures are recorded in <see cref="DartsSupernet"/>'s remarks.
    /// </summary>
    [Explicit("measurement, minutes")]
    [TestCase(8, 5)]
    [TestCase(16, 5)]
    [TestCase(16, 8)]
    public void MeasureForwardTimeAndMemory(int c, int layers)
    {
        var build = System.Diagnostics.Stopwatch.StartNew();
        var model = DartsSupernet.Build(new DartsSupernetOptions { C = c, Layers = layers, Batch = 64 });
        var bytes = ModelFile.ToBytes(model).Length;
        build.Stop();
        var rss0 = Environment.WorkingSet;
        var create = System.Diagnostics.Stopwatch.StartNew();
        using var session = NasiOnnx.Engine.Runtime.SessionFactory.Create(model,
            new NasiOnnx.Engine.Runtime.RuntimeOptions { Provider = NasiOnnx.Engine.Runtime.ExecutionProvider.Cpu, IntraOpThreads = 2 });
        create.Stop();
        var inputs = new Dictionary<string, Tensor>
        {
            ["input"] = ModelRuns.Gaussian(1, 64, 3, 32, 32), ["arch_normal"] = Softmaxed(2), ["arch_reduce"] = Softmaxed(3),
        };
        session.Run(inputs, null, ["logits"]);
        var times = new List<double>();
        for (var i = 0; i < 3; i++)
        {
            var sw = System.Diagnostics.Stopwatch.StartNew();
            session.Run(inputs, null, ["logits"]);
            times.Add(sw.Elapsed.TotalMilliseconds);
        }
        using var process = System.Diagnostics.Process.GetCurrentProcess();
        TestContext.Out.WriteLine(
            $"C={c} layers={layers}: {ParameterSet.Of(model).Count:N0} parameters, {model.Graph.Node.Count:N0} nodes, {bytes / 1e6:F1} MB model, " +
            $"build {build.ElapsedMilliseconds} ms, session {create.ElapsedMilliseconds} ms, forward median {times.Order().ElementAt(1):F0} ms " +
            $"(runs {string.Join(", ", times.Select(t => t.ToString("F0")))}), working set before session {rss0 / 1e6:F0} MB, " +
            $"peak working set {process.PeakWorkingSet64 / 1e6:F0} MB");
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
