using NasiOnnx.Engine.Graphs;
using NasiOnnx.Engine.Init;
using NasiOnnx.Engine.Runtime;
using NasiOnnx.Models.Layers;

namespace NasiOnnx.Tests.Models.Layers;

public class LayerBuilderTests
{
    /// <summary>
    /// Regression (microsoft/onnxruntime#29790): with graph optimizations on, ONNX Runtime's training-mode
    /// BatchNormalization let momentum 0.9 leak into Y, which then was not normalized by the batch's statistics.
    /// </summary>
    [TestCase("bn")]
    [TestCase("conv-bn")]
    public void TrainingBatchNormNormalizesWithTheBatchStatisticsUnderFullOptimization(string kind)
    {
        var g = GraphBuilder.Create("bn");
        var layers = new LayerBuilder(g, new WeightSampler(1), BatchNormMode.Training);
        var x = g.Input("x", ElementType.Float, 4, 2, 3, 3);
        var h = kind == "bn" ? x : layers.Conv("conv", x, 2, 2, kernel: 1);
        g.Output(layers.BatchNormalization("bn", h, 2), ElementType.Float);

        var input = Tensor.Zeros(4, 2, 3, 3);
        new Rng(42).FillGaussian(input.Data, mean: 3, std: 2);
        using var session = SessionFactory.Create(g.Model, new RuntimeOptions { Provider = ExecutionProvider.Cpu });
        var y = session.Run(new Dictionary<string, Tensor> { ["x"] = input }, null, ["bn"])[0];

        for (var c = 0; c < 2; c++)
        {
            var values = Enumerable.Range(0, 4).SelectMany(n => y.Data.Skip((n * 2 + c) * 9).Take(9)).Select(v => (double)v).ToArray();
            var mean = values.Average();
            var variance = values.Select(v => (v - mean) * (v - mean)).Average();
            Assert.That(mean, Is.EqualTo(0).Within(1e-5), $"channel {c} mean");
            // Biased batch variance v gives v / (v + eps) after normalization: 1 within 1e-5 for v ≈ 4.
            Assert.That(variance, Is.EqualTo(1).Within(1e-4), $"channel {c} variance");
        }
    }

    [Test]
    public void LayersNameNodesAndWeightsAfterTheirScope()
    {
        var g = GraphBuilder.Create("names");
        var layers = new LayerBuilder(g, new WeightSampler(1), BatchNormMode.Inference);
        var x = g.Input("x", ElementType.Float, 1, 2, 4, 4);
        var y = layers.ReluConvBn("block", x, 2, 3, kernel: 3, pad: 1);
        var z = layers.Linear("fc", layers.Flatten("flat", layers.GlobalAveragePool("gap", y)), 3, 5, outputName: "out");
        Assert.That(z, Is.EqualTo("out"));
        Assert.That(g.Graph.Node.Select(n => n.Name), Is.EqualTo(new[] { "block/relu", "block/conv", "block/bn", "gap", "flat", "fc" }));
        Assert.That(g.Graph.Initializer.Select(t => t.Name), Is.EqualTo(new[]
            { "block/conv/W", "block/bn/scale", "block/bn/bias", "block/bn/mean", "block/bn/var", "fc/W", "fc/b" }));
        Assert.That(g.Graph.Initializer.Single(t => t.Name == "fc/W").Dims, Is.EqualTo(new long[] { 5, 3 }));
        Assert.Throws<InvalidOperationException>(() => layers.Conv("block/conv", x, 2, 2, kernel: 1), "weight names are never silently renamed");
    }
}
