using System.Diagnostics;
using Google.Protobuf;
using NasiOnnx.Engine;
using NasiOnnx.Engine.Graphs;
using NasiOnnx.Engine.Init;
using NasiOnnx.Engine.Runtime;
using NasiOnnx.Models.Nb201;
using Onnx;

namespace NasiOnnx.Tests.Models.Nb201;

public class Nb201NetworkTests
{
    private static readonly RuntimeOptions Cpu = new() { Provider = ExecutionProvider.Cpu };

    [Test]
    public void ParameterCountMatchesTheBenchmarkForEveryCellOfTheSample()
    {
        var rows = Nb201Sample.Rows;
        Assert.That(rows, Has.Count.EqualTo(1000));
        var clock = Stopwatch.StartNew();
        // Drawing the random weights dominates (~10 ms per network in a Debug build): use every core.
        var counts = new long[rows.Count];
        Parallel.For(0, rows.Count, i =>
            counts[i] = ParameterSet.Of(Nb201Network.Build(Nb201Cell.Parse(rows[i].ArchStr), new Nb201NetworkOptions())).Count);
        TestContext.Out.WriteLine($"built and counted {rows.Count} networks in {clock.Elapsed.TotalSeconds:F1} s");
        var wrong = rows.Select((row, i) => (row, count: counts[i])).Where(r => r.count != r.row.Parameters)
            .Select(r => $"index {r.row.Index} {r.row.ArchStr}: built {r.count}, published {r.row.Parameters}").ToList();
        Assert.That(wrong, Is.Empty, $"{wrong.Count} cells disagree");
    }

    [Test]
    public void TheClosedFormParameterCountIsTheBuiltNetworksForAnyCellAndSize()
    {
        var rng = new Rng(11);
        var all = Nb201Cell.All().ToArray();
        Nb201NetworkOptions[] sizes =
        [
            new() { C = 4, N = 1, InputSize = 8 },
            new() { C = 3, N = 2, Classes = 7, InputChannels = 1, InputSize = 8 },
            new() { C = 8, N = 0, Classes = 100, InputSize = 16, BatchNorm = BatchNormMode.Inference },
        ];
        foreach (var options in sizes)
            for (var i = 0; i < 12; i++)
            {
                var cell = all[rng.NextInt(all.Length)];
                Assert.That(Nb201Network.ParameterCount(cell, options), Is.EqualTo(ParameterSet.Of(Nb201Network.Build(cell, options)).Count), $"{cell} at {options}");
            }
        var wrong = Nb201Sample.Rows.Where(r => Nb201Network.ParameterCount(Nb201Cell.Parse(r.ArchStr), Nb201NetworkOptions.Default) != r.Parameters)
            .Select(r => r.ArchStr).ToList();
        Assert.That(wrong, Is.Empty, "the closed form disagrees with the published counts");
    }

    [Test]
    public void TheConvolutionFreeCellHasTheDocumentedCount() =>
        Assert.That(ParameterSet.Of(Nb201Network.Build(
            Nb201Cell.Parse("|avg_pool_3x3~0|+|skip_connect~0|none~1|+|none~0|none~1|skip_connect~2|"),
            new Nb201NetworkOptions())).Count, Is.EqualTo(73_306));

    [Test]
    public void EachConvEdgeAddsItsDocumentedCountPerStage()
    {
        // SEARCH-SPACES.md: nor_conv_3x3 adds 9C²+2C and nor_conv_1x1 adds C²+2C per cell, C = 16, 32, 64, N = 5 cells.
        static long PerStages(Func<long, long> perCell) => 5 * (perCell(16) + perCell(32) + perCell(64));
        var none = Nb201Cell.Uniform(Nb201Op.None);
        long Count(Nb201Cell cell) => ParameterSet.Of(Nb201Network.Build(cell, new Nb201NetworkOptions())).Count;
        var baseline = Count(none);
        Assert.That(Count(none.With(2, 1, Nb201Op.NorConv3x3)) - baseline, Is.EqualTo(PerStages(c => 9 * c * c + 2 * c)));
        Assert.That(Count(none.With(3, 0, Nb201Op.NorConv1x1)) - baseline, Is.EqualTo(PerStages(c => c * c + 2 * c)));
        Assert.That(Count(Nb201Cell.Uniform(Nb201Op.AvgPool3x3)), Is.EqualTo(baseline));
        Assert.That(Count(Nb201Cell.Uniform(Nb201Op.SkipConnect)), Is.EqualTo(baseline));
    }

    [Test]
    public void GraphHasOneInputAndOneOutputWithTheDocumentedNamesAndShapes()
    {
        var model = Nb201Network.Build(Nb201Cell.Default, new Nb201NetworkOptions { Classes = 100, InputSize = 16 });
        Assert.That(model.OpsetImport.Single(o => o.Domain == "").Version, Is.EqualTo(17));
        var input = model.Graph.Input.Single();
        Assert.That(input.Name, Is.EqualTo("input"));
        Assert.That(Dims(input), Is.EqualTo(new[] { "batch", "3", "16", "16" }));
        var output = model.Graph.Output.Single();
        Assert.That(output.Name, Is.EqualTo("logits"));
        Assert.That(Dims(output), Is.EqualTo(new[] { "batch", "100" }));

        var fixedBatch = Nb201Network.Build(Nb201Cell.Default, new Nb201NetworkOptions { Batch = 7 });
        Assert.That(Dims(fixedBatch.Graph.Input.Single()), Is.EqualTo(new[] { "7", "3", "32", "32" }));
        Assert.That(Dims(fixedBatch.Graph.Output.Single()), Is.EqualTo(new[] { "7", "10" }));
    }

    [Test]
    public void WeightsHaveHierarchicalNamesAndRunningStatisticsAreNotParameters()
    {
        var model = Nb201Network.Build(Nb201Cell.Parse("|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_1x1~1|+|skip_connect~0|none~1|avg_pool_3x3~2|"),
            new Nb201NetworkOptions());
        var initializers = model.Graph.Initializer.Select(t => t.Name).ToList();
        Assert.That(initializers, Is.Unique);
        Assert.That(initializers, Is.SupersetOf(new[]
        {
            "stem/conv/W", "stem/bn/scale", "stem/bn/bias", "stem/bn/mean", "stem/bn/var",
            "stage0/cell0/edge_1_0/conv/W", "stage0/cell1/edge_2_1/conv/W", "stage2/cell4/edge_2_1/bn/scale",
            "stage1/reduce/a/conv/W", "stage1/reduce/a/bn/scale", "stage1/reduce/b/bn/bias", "stage2/reduce/shortcut/conv/W",
            "head/bn/scale", "head/fc/W", "head/fc/b",
        }));
        Assert.That(initializers.Where(n => n.Contains("edge_3_")), Is.Empty, "skip, none and pool edges carry no weights");

        var parameters = ParameterSet.Of(model).Names.ToList();
        Assert.That(parameters.Where(n => n.EndsWith("/mean") || n.EndsWith("/var")), Is.Empty);
        Assert.That(parameters.All(n => n.EndsWith("/W") || n.EndsWith("/b") || n.EndsWith("/scale") || n.EndsWith("/bias")), Is.True);
        Assert.That(model.Graph.Node.Select(n => n.Name), Is.Unique);
        Assert.That(model.Graph.Node.Select(n => n.Name), Has.Member("stage0/cell1/edge_2_1/conv").And.Member("head/fc"));
    }

    [TestCase(BatchNormMode.Training, 3)]
    [TestCase(BatchNormMode.Inference, 1)]
    public void BatchNormNodesFollowTheMode(BatchNormMode mode, int outputs)
    {
        var model = Nb201Network.Build(Nb201Cell.Default, new Nb201NetworkOptions { BatchNorm = mode });
        var bns = model.Graph.Node.Where(n => n.OpType == "BatchNormalization").ToList();
        // stem + head + 2 per residual block × 2 + (5 conv edges × 5 cells × 3 stages).
        Assert.That(bns, Has.Count.EqualTo(2 + 4 + 5 * 15));
        foreach (var bn in bns)
        {
            Assert.That(bn.Output, Has.Count.EqualTo(outputs), bn.Name);
            Assert.That(bn.GetInt("training_mode", 0), Is.EqualTo(mode == BatchNormMode.Training ? 1 : 0), bn.Name);
            Assert.That(bn.GetFloat("epsilon", 0), Is.EqualTo(1e-5f), bn.Name);
            Assert.That(bn.GetFloat("momentum", 0), Is.EqualTo(mode == BatchNormMode.Training ? 1f : 0.9f), bn.Name);
        }
        var graphOutputs = model.Graph.Output.Select(o => o.Name).ToList();
        Assert.That(graphOutputs, Is.EqualTo(new[] { "logits" }), "running statistics must not become graph outputs");
    }

    private static IEnumerable<TestCaseData> RuntimeCases()
    {
        string[] cells =
        [
            Nb201Cell.Default.ToString(),
            "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|",
            Nb201Cell.Uniform(Nb201Op.AvgPool3x3).ToString(),
            Nb201Cell.Uniform(Nb201Op.NorConv1x1).ToString(),
        ];
        foreach (var cell in cells)
            foreach (var mode in new[] { BatchNormMode.Training, BatchNormMode.Inference })
                foreach (long? batch in new long?[] { null, 2 })
                    yield return new TestCaseData(cell, mode, batch);
    }

    [TestCaseSource(nameof(RuntimeCases))]
    public void OnnxRuntimeAcceptsAndRunsTheNetwork(string text, BatchNormMode mode, long? batch)
    {
        var options = new Nb201NetworkOptions { BatchNorm = mode, Batch = batch };
        var logits = Run(Nb201Network.Build(Nb201Cell.Parse(text), options), batch ?? 3, seed: 1);
        Assert.That(logits.Shape, Is.EqualTo(new[] { batch ?? 3, 10L }));
        Assert.That(logits.Data.All(float.IsFinite), Is.True);
        Assert.That(RowsDiffer(logits), Is.True, "different inputs should give different logits");
    }

    /// <summary>Cells whose every input→output path crosses <c>none</c>: the network then ignores its input.</summary>
    [TestCase("|none~0|+|none~0|none~1|+|none~0|none~1|none~2|")]
    [TestCase("|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|none~0|none~1|none~2|")]
    [TestCase("|none~0|+|nor_conv_1x1~0|nor_conv_3x3~1|+|none~0|skip_connect~1|none~2|")]
    [TestCase("|skip_connect~0|+|none~0|none~1|+|none~0|none~1|nor_conv_3x3~2|")]
    public void DisconnectedCellsBuildAndRunToInputIndependentLogits(string text)
    {
        var cell = Nb201Cell.Parse(text);
        Assert.That(cell.IsConnected, Is.False);
        foreach (var mode in new[] { BatchNormMode.Training, BatchNormMode.Inference })
        {
            var logits = Run(Nb201Network.Build(cell, new Nb201NetworkOptions { BatchNorm = mode }), 3, seed: 2);
            Assert.That(logits.Shape, Is.EqualTo(new[] { 3L, 10L }));
            Assert.That(logits.Data.All(float.IsFinite), Is.True);
            Assert.That(RowsDiffer(logits), Is.False, $"{mode}: a disconnected cell cannot see its input");
        }
    }

    [Test]
    public void SameSeedGivesTheSameBytesAndAnotherSeedOtherWeights()
    {
        var cell = Nb201Cell.Default;
        var a = Nb201Network.Build(cell, new Nb201NetworkOptions { Seed = 5 }).ToByteArray();
        var b = Nb201Network.Build(cell, new Nb201NetworkOptions { Seed = 5 }).ToByteArray();
        Assert.That(a, Is.EqualTo(b));

        var first = ParameterSet.Of(Nb201Network.Build(cell, new Nb201NetworkOptions { Seed = 5 }));
        var second = ParameterSet.Of(Nb201Network.Build(cell, new Nb201NetworkOptions { Seed = 6 }));
        Assert.That(second.Names, Is.EqualTo(first.Names));
        foreach (var (x, y) in first.Tensors.Zip(second.Tensors))
        {
            var random = x.Name.EndsWith("/W") || x.Name.EndsWith("/b");
            Assert.That(TensorData.ReadFloats(x).SequenceEqual(TensorData.ReadFloats(y)), Is.EqualTo(!random),
                $"{x.Name}: random weights must change with the seed, BN scale and bias must not");
        }
    }

    [Test]
    public void WeightsFollowPyTorchDefaultBounds()
    {
        var model = Nb201Network.Build(Nb201Cell.Default, new Nb201NetworkOptions());
        foreach (var t in ParameterSet.Of(model).Tensors)
        {
            var values = TensorData.ReadFloats(t);
            if (t.Name.EndsWith("/scale")) Assert.That(values, Is.All.EqualTo(1f), t.Name);
            else if (t.Name.EndsWith("/bias")) Assert.That(values, Is.All.EqualTo(0f), t.Name);
            else
            {
                // fan_in = in·k·k for conv weights, in for the linear layer and its bias.
                var fanIn = t.Name == "head/fc/b" ? 64 : t.Dims.Skip(1).Aggregate(1L, (p, d) => p * d);
                var bound = 1 / Math.Sqrt(fanIn);
                Assert.That(values.Max(v => Math.Abs(v)), Is.LessThanOrEqualTo(bound), t.Name);
                // Large uniform tensors come close to their bound; a wrong fan-in would miss it by √k or more.
                if (values.Length >= 100) Assert.That(values.Max(v => Math.Abs(v)), Is.GreaterThan(0.9 * bound), t.Name);
            }
        }
    }

    [Test]
    public void InvalidOptionsAreReportedTogether()
    {
        var ex = Assert.Throws<NasiException>(() =>
            Nb201Network.Build(Nb201Cell.Default, new Nb201NetworkOptions { C = 0, InputSize = 30, Batch = 0 }))!;
        Assert.That(ex.Message, Does.Contain("C must be at least 1, got 0")
            .And.Contain("InputSize must be a positive multiple of 4").And.Contain("Batch must be at least 1"));
    }

    [Test]
    public void OtherInitSchemesBuildAndRun()
    {
        foreach (var init in new[] { WeightInit.KaimingNormal, WeightInit.Xavier })
        {
            var logits = Run(Nb201Network.Build(Nb201Cell.Default, new Nb201NetworkOptions { Init = init, C = 4, N = 1 }), 2, seed: 3);
            Assert.That(logits.Data.All(float.IsFinite), Is.True, init.ToString());
        }
    }

    internal static Tensor Run(ModelProto model, long batch, ulong seed)
    {
        var dims = model.Graph.Input[0].Type.TensorType.Shape.Dim;
        long[] shape = [batch, dims[1].DimValue, dims[2].DimValue, dims[3].DimValue];
        var input = Tensor.Zeros(shape);
        new Rng(seed).FillGaussian(input.Data);
        using var session = SessionFactory.Create(model, Cpu);
        return session.Run(new Dictionary<string, Tensor> { ["input"] = input }, null, ["logits"])[0];
    }

    private static bool RowsDiffer(Tensor logits)
    {
        var classes = (int)logits.Shape[1];
        var first = logits.Data.AsSpan(0, classes);
        for (var n = 1; n < logits.Shape[0]; n++)
            if (!first.SequenceEqual(logits.Data.AsSpan(n * classes, classes))) return true;
        return false;
    }

    private static string[] Dims(ValueInfoProto v) =>
        v.Type.TensorType.Shape.Dim.Select(d => d.HasDimValue ? d.DimValue.ToString() : d.DimParam).ToArray();
}
