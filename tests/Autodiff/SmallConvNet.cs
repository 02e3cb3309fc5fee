using NasiOnnx.Engine.Graphs;
using NasiOnnx.Engine.Init;
using Onnx;

namespace NasiOnnx.Tests.Autodiff;

/// <summary>
/// A residual conv net with every op kind NAS-Bench-201 cells use, until that builder lands:
/// Conv → BN (batch statistics) → Relu → AveragePool → Conv → Add (skip) → GlobalAveragePool → Flatten → Gemm.
/// <paramref name="activation"/> may swap Relu for a smooth op (Tanh) where a check must not cross kinks.
/// Weights are drawn from <paramref name="seed"/>; input "input" [b, 3, size, size], output "logits" [b, classes].
/// </summary>
public static class SmallConvNet
{
    public static ModelProto Build(long batch, long size = 8, long channels = 8, long classes = 10, ulong seed = 7, string activation = "Relu")
    {
        var rng = new Rng(seed);
        var g = GraphBuilder.Create("small_conv_net");
        string Weight(string name, params long[] dims)
        {
            var data = new float[Tensor.Count(dims)];
            rng.FillUniform(data, -0.5, 0.5);
            return g.Initializer(name, data, dims);
        }
        string Filled(string name, float value, long n) => g.Initializer(name, Enumerable.Repeat(value, (int)n).ToArray(), n);

        var x = g.Input("input", ElementType.Float, batch, 3, size, size);
        var conv1 = g.Node("Conv", [x, Weight("conv1.w", channels, 3, 3, 3), Weight("conv1.b", channels)], Attr.Ints("pads", 1, 1, 1, 1));
        var bn = g.NodeN("BatchNormalization",
            [conv1, Weight("bn.scale", channels), Weight("bn.bias", channels), Filled("bn.mean", 0, channels), Filled("bn.var", 1, channels)],
            3, Attr.Int("training_mode", 1))[0];
        var relu = g.Node(activation, [bn]);
        var pool = g.Node("AveragePool", [relu], Attr.Ints("kernel_shape", 3, 3), Attr.Ints("pads", 1, 1, 1, 1), Attr.Int("count_include_pad", 0));
        var conv2 = g.Node("Conv", [pool, Weight("conv2.w", channels, channels, 3, 3)], Attr.Ints("pads", 1, 1, 1, 1));
        var sum = g.Node("Add", [conv2, relu]);
        var gap = g.Node("GlobalAveragePool", [sum]);
        var flat = g.Node("Flatten", [gap], Attr.Int("axis", 1));
        var logits = g.Node("Gemm", [flat, Weight("fc.w", classes, channels), Weight("fc.b", classes)], Attr.Int("transB", 1));
        g.AddNode("Identity", "logits", [logits], ["logits"]);
        g.Output("logits", ElementType.Float, [batch, classes]);
        return g.Model;
    }
}
