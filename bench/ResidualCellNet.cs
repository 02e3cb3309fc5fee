using NasiOnnx.Engine.Graphs;
using NasiOnnx.Engine.Init;
using Onnx;

namespace NasiOnnx.Bench;

/// <summary>
/// A NAS-Bench-201-shaped network for timing until the real builder lands: stem, three stages of five cells
/// (C = 16, 32, 64) with residual reduction blocks, then BN-ReLU-GAP-Linear. Each cell has NB201's four nodes and
/// six edges: four ReLU-Conv3x3-BN, one skip, one 3x3 average pool; about 1.04 M parameters, BN in batch-statistics
/// mode. Input "input" [b, 3, 32, 32], output "logits" [b, 10].
/// </summary>
public static class ResidualCellNet
{
    public static ModelProto Build(long batch, long channels = 16, int cellsPerStage = 5, ulong seed = 1)
    {
        var rng = new Rng(seed);
        var g = GraphBuilder.Create("residual_cell_net");
        var layer = 0;

        string Weight(long fanIn, params long[] dims)
        {
            var data = new float[Tensor.Count(dims)];
            var bound = 1 / Math.Sqrt(fanIn);
            rng.FillUniform(data, -bound, bound);
            return g.Initializer($"w{layer++}", data, dims);
        }
        string Filled(float value, long n) => g.Initializer($"s{layer++}", Enumerable.Repeat(value, (int)n).ToArray(), n);
        string Bn(string x, long c) =>
            g.NodeN("BatchNormalization", [x, Filled(1, c), Filled(0, c), Filled(0, c), Filled(1, c)], 3, Attr.Int("training_mode", 1))[0];
        string Conv(string x, long cin, long cout, long k, long stride) =>
            g.Node("Conv", [x, Weight(cin * k * k, cout, cin, k, k)],
                Attr.Ints("kernel_shape", k, k), Attr.Ints("strides", stride, stride), Attr.Ints("pads", k / 2, k / 2, k / 2, k / 2));
        string ReluConvBn(string x, long cin, long cout, long k, long stride = 1) => Bn(Conv(g.Node("Relu", [x]), cin, cout, k, stride), cout);
        string AvgPool(string x) =>
            g.Node("AveragePool", [x], Attr.Ints("kernel_shape", 3, 3), Attr.Ints("pads", 1, 1, 1, 1), Attr.Int("count_include_pad", 0));

        string Cell(string x, long c)
        {
            var n1 = ReluConvBn(x, c, c, 3);
            var n2 = g.Node("Add", [ReluConvBn(x, c, c, 3), ReluConvBn(n1, c, c, 3)]);
            return g.Node("Sum", [x, AvgPool(n1), ReluConvBn(n2, c, c, 3)]);
        }
        string Reduction(string x, long cin, long cout)
        {
            var a = ReluConvBn(ReluConvBn(x, cin, cout, 3, 2), cout, cout, 3);
            var shortcut = g.Node("AveragePool", [x], Attr.Ints("kernel_shape", 2, 2), Attr.Ints("strides", 2, 2));
            return g.Node("Add", [a, Conv(shortcut, cin, cout, 1, 1)]);
        }

        var h = Bn(Conv(g.Input("input", ElementType.Float, batch, 3, 32, 32), 3, channels, 3, 1), channels);
        var c = channels;
        for (var stage = 0; stage < 3; stage++)
        {
            if (stage > 0) { h = Reduction(h, c, 2 * c); c *= 2; }
            for (var i = 0; i < cellsPerStage; i++) h = Cell(h, c);
        }
        var pooled = g.Node("Flatten", [g.Node("GlobalAveragePool", [g.Node("Relu", [Bn(h, c)])])], Attr.Int("axis", 1));
        var logits = g.Node("Gemm", [pooled, Weight(c, 10, c), Weight(c, 10)], Attr.Int("transB", 1));
        g.AddNode("Identity", "logits", [logits], ["logits"]);
        g.Output("logits", ElementType.Float, [batch, 10]);
        return g.Model;
    }
}
