using Onnx;
using NasiOnnx.Engine.Graphs;
using NasiOnnx.Engine.Init;

namespace NasiOnnx.Tests.Ntk;

/// <summary>Small models whose Jacobians the NTK tests know, and seeded inputs for them.</summary>
internal static class NtkTestModels
{
    /// <summary>y = x Wᵀ + b (Gemm, transB = 1): W [n, d], b [n]; J v = x V_Wᵀ + v_b.</summary>
    public static ModelProto Linear(int d, int n, ulong seed, out float[] w, out float[] b)
    {
        var g = GraphBuilder.Create("linear");
        var x = g.Input("x", ElementType.Float, GraphBuilder.SymbolicBatch, d);
        w = Gaussian(seed, "w", n * d, 0.5);
        b = Gaussian(seed, "b", n, 0.5);
        var y = g.Node("Gemm", [x, g.Initializer("W", w, n, d), g.Initializer("B", b, n)], Attr.Int("transB", 1));
        g.Output(y, ElementType.Float, [GraphBuilder.SymbolicBatch, n]);
        return g.Model;
    }

    /// <summary>y = W2 cos(W1 x + b1) + b2: Cos has no gradient rule anywhere, and J is known in closed form.</summary>
    public static ModelProto CosMlp(int d, int hidden, int n, ulong seed, out float[] w1, out float[] b1, out float[] w2)
    {
        var g = GraphBuilder.Create("cos_mlp");
        var x = g.Input("x", ElementType.Float, GraphBuilder.SymbolicBatch, d);
        w1 = Gaussian(seed, "w1", hidden * d, 1 / Math.Sqrt(d));
        b1 = Gaussian(seed, "b1", hidden, 0.5);
        w2 = Gaussian(seed, "w2", n * hidden, 1 / Math.Sqrt(hidden));
        var b2 = Gaussian(seed, "b2", n, 0.5);
        var z = g.Node("Gemm", [x, g.Initializer("W1", w1, hidden, d), g.Initializer("B1", b1, hidden)], Attr.Int("transB", 1));
        var c = g.Node("Cos", [z]);
        var y = g.Node("Gemm", [c, g.Initializer("W2", w2, n, hidden), g.Initializer("B2", b2, n)], Attr.Int("transB", 1));
        g.Output(y, ElementType.Float, [GraphBuilder.SymbolicBatch, n]);
        return g.Model;
    }

    /// <summary>Conv → BatchNormalization (batch statistics, all 3 outputs) → Relu → GlobalAveragePool → Flatten → Gemm.</summary>
    public static ModelProto ConvBn(int channels, int classes, ulong seed)
    {
        var g = GraphBuilder.Create("conv_bn");
        var sampler = new WeightSampler(seed);
        var x = g.Input("x", ElementType.Float, GraphBuilder.SymbolicBatch, 3, 8, 8);
        var conv = g.Node("Conv", [x, g.Initializer("conv.w", sampler.Weight("conv.w", [channels, 3, 3, 3]), channels, 3, 3, 3)],
            Attr.Ints("kernel_shape", 3, 3), Attr.Ints("pads", 1, 1, 1, 1));
        var bn = g.NodeN("BatchNormalization",
            [conv, g.Initializer("bn.scale", WeightSampler.Constant(channels, 1), channels),
             g.Initializer("bn.bias", WeightSampler.Constant(channels, 0), channels),
             g.Initializer("bn.mean", WeightSampler.Constant(channels, 0), channels),
             g.Initializer("bn.var", WeightSampler.Constant(channels, 1), channels)],
            3, Attr.Int("training_mode", 1), Attr.Float("epsilon", 1e-5f), Attr.Float("momentum", 0.9f));
        var relu = g.Node("Relu", [bn[0]]);
        var pooled = g.Node("Flatten", [g.Node("GlobalAveragePool", [relu])]);
        var fc = g.Node("Gemm", [pooled, g.Initializer("fc.w", sampler.Weight("fc.w", [classes, channels]), classes, channels),
            g.Initializer("fc.b", sampler.Bias("fc.b", classes, channels), classes)], Attr.Int("transB", 1));
        g.Output(fc, ElementType.Float, [GraphBuilder.SymbolicBatch, classes]);
        return g.Model;
    }

    /// <summary>i.i.d. N(0, 1) inputs of shape <paramref name="shape"/>.</summary>
    public static Tensor Inputs(ulong seed, params long[] shape)
    {
        var data = new float[Tensor.Count(shape)];
        Rng.For(seed, "inputs").FillGaussian(data);
        return new Tensor(data, shape);
    }

    private static float[] Gaussian(ulong seed, string name, int count, double std)
    {
        var values = new float[count];
        Rng.For(seed, name).FillGaussian(values, 0, std);
        return values;
    }
}
