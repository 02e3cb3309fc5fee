using NasiOnnx.Engine.Graphs;
using NasiOnnx.Engine.Init;
using NasiOnnx.Engine.Search;
using Onnx;

namespace NasiOnnx.Tests.Search;

/// <summary>
/// A two-edge supernet small enough for finite differences: x → edge 0 mixes {conv3x3 → BN (batch statistics),
/// conv1x1, avgpool} → edge 1 mixes {conv3x3, relu·conv1x1, identity} → GAP → Gemm. Mixing weights come from
/// the graph input "arch" [2, 3]. (A BN after a whole mixed edge would normalize its scale away and leave that
/// edge's α gradients too small for a float32 finite-difference check.)
/// </summary>
public static class TinySupernet
{
    public static readonly ArchitectureInput Arch = new("arch", 2, 3);

    public static ModelProto Build(ulong seed = 1, int channels = 4, int classes = 5)
    {
        var g = GraphBuilder.Create("tiny_supernet");
        var sampler = new WeightSampler(seed);
        var x = g.Input("input", ElementType.Float, GraphBuilder.SymbolicBatch, channels, 6, 6);
        var arch = g.Input(Arch.Name, ElementType.Float, Arch.Edges, Arch.Ops);

        string Conv(string name, string input, long k) => g.Node("Conv", [input, W(name, [channels, channels, k, k])],
            Attr.Ints("pads", k / 2, k / 2, k / 2, k / 2));
        string W(string name, long[] shape) => g.Initializer(name, sampler.Weight(name, shape), shape);
        string Weight(int edge, int op) => g.Node("Reshape", [g.Node("Slice", [arch, g.Int64Constant("s", edge, op), g.Int64Constant("e", edge + 1, op + 1)]), g.Int64Constant("shape1", 1)]);
        string Mix(int edge, params string[] ops) =>
            g.Node("Sum", ops.Select((o, i) => g.Node("Mul", [o, Weight(edge, i)])).ToArray());

        var bn = g.NodeN("BatchNormalization",
            [Conv("e0/conv3/W", x, 3), W("bn/scale", [channels]), g.Initializer("bn/bias", new float[channels], channels),
             g.Initializer("bn/mean", new float[channels], channels), g.Initializer("bn/var", Enumerable.Repeat(1f, channels).ToArray(), channels)],
            3, Attr.Int("training_mode", 1), Attr.Float("momentum", 1f))[0]; // see SessionFactory: ORT needs momentum 1
        var h = Mix(0, bn, Conv("e0/conv1/W", x, 1),
            g.Node("AveragePool", [x], Attr.Ints("kernel_shape", 3, 3), Attr.Ints("pads", 1, 1, 1, 1), Attr.Int("count_include_pad", 0)));
        var e1 = Mix(1, Conv("e1/conv3/W", h, 3), Conv("e1/conv1/W", g.Node("Relu", [h]), 1), h);
        var pooled = g.Node("Flatten", [g.Node("GlobalAveragePool", [e1])]);
        var logits = g.Node("Gemm", [pooled, W("fc/W", [classes, channels]), W("fc/b", [classes])], Attr.Int("transB", 1));
        g.Output(logits, ElementType.Float, [GraphBuilder.SymbolicBatch, classes]);
        return g.Model;
    }
}
