using NasiOnnx.Engine.Graphs;
using NasiOnnx.Engine.Init;
using Onnx;

namespace NasiOnnx.Tests.Proxies;

/// <summary>
/// x [b, d] → Gemm (W1, b1) → BatchNorm (batch statistics, γ, β) → Relu → Gemm (W2, b2) → logits [b, c], as ONNX,
/// and the same network in float64 written from its definition, independent of ONNX Runtime and of our gradient
/// rules. Every derivative of the reference is a central difference in double, small enough (tens of parameters)
/// to be near exact: the independent computation the proxies are checked against.
/// </summary>
internal sealed class TinyBnMlp
{
    public const int D = 10, H = 10, C = 3;
    public const string Input = "x", Output = "logits";

    public double[] W1 = new double[H * D], B1 = new double[H], Gamma = new double[H], Beta = new double[H], W2 = new double[C * H], B2 = new double[C];

    public TinyBnMlp(ulong seed)
    {
        var rng = new Rng(seed);
        void Fill(double[] a, double lo, double hi) { for (var i = 0; i < a.Length; i++) a[i] = (float)rng.Uniform(lo, hi); }
        Fill(W1, -0.6, 0.6); Fill(B1, -0.2, 0.2); Fill(Gamma, 0.5, 1.5); Fill(Beta, -0.3, 0.3); Fill(W2, -0.6, 0.6); Fill(B2, -0.2, 0.2);
    }

    /// <summary>The parameter arrays by ONNX initializer name.</summary>
    public Dictionary<string, double[]> Parameters => new()
    {
        ["W1"] = W1, ["b1"] = B1, ["gamma"] = Gamma, ["beta"] = Beta, ["W2"] = W2, ["b2"] = B2,
    };

    public ModelProto Model()
    {
        var g = GraphBuilder.Create("tiny_bn_mlp");
        var x = g.Input(Input, ElementType.Float, GraphBuilder.SymbolicBatch, D);
        float[] F(double[] a) => a.Select(v => (float)v).ToArray();
        g.Initializer("W1", F(W1), H, D);
        g.Initializer("b1", F(B1), H);
        g.Initializer("gamma", F(Gamma), H);
        g.Initializer("beta", F(Beta), H);
        g.Initializer("mean", new float[H], H);
        g.Initializer("var", Enumerable.Repeat(1f, H).ToArray(), H);
        g.Initializer("W2", F(W2), C, H);
        g.Initializer("b2", F(B2), C);
        g.AddNode("Gemm", "fc1", [x, "W1", "b1"], ["h"], Attr.Int("transB", 1));
        g.AddNode("BatchNormalization", "bn", ["h", "gamma", "beta", "mean", "var"], ["z", "rm", "rv"],
            Attr.Float("epsilon", 1e-5f), Attr.Float("momentum", 1f), Attr.Int("training_mode", 1));
        g.AddNode("Relu", "relu", ["z"], ["r"]);
        g.AddNode("Gemm", "fc2", ["r", "W2", "b2"], [Output], Attr.Int("transB", 1));
        g.Output(Output, ElementType.Float, [GraphBuilder.SymbolicBatch, C]);
        return g.Model;
    }

    /// <summary>Intermediate values of one forward pass in double.</summary>
    public sealed record Pass(double[] Hidden, double[] Normalized, double[] Logits);

    /// <summary>The forward pass; <paramref name="hiddenShift"/>/<paramref name="logitShift"/> are added to the Gemm
    /// outputs (for derivatives with respect to them); <paramref name="batchNorm"/> false makes BN the identity.</summary>
    public Pass Forward(double[] x, int b, double[]? hiddenShift = null, double[]? logitShift = null, bool batchNorm = true)
    {
        var h = new double[b * H];
        for (var n = 0; n < b; n++)
            for (var j = 0; j < H; j++)
            {
                var s = B1[j];
                for (var k = 0; k < D; k++) s += W1[j * D + k] * x[n * D + k];
                h[n * H + j] = s + (hiddenShift?[n * H + j] ?? 0);
            }
        var z = new double[b * H];
        for (var j = 0; j < H; j++)
        {
            double mean = 0, variance = 0;
            for (var n = 0; n < b; n++) mean += h[n * H + j];
            mean /= b;
            for (var n = 0; n < b; n++) variance += (h[n * H + j] - mean) * (h[n * H + j] - mean);
            variance /= b;
            for (var n = 0; n < b; n++)
                z[n * H + j] = batchNorm ? Gamma[j] * (h[n * H + j] - mean) / Math.Sqrt(variance + 1e-5) + Beta[j] : h[n * H + j];
        }
        var f = new double[b * C];
        for (var n = 0; n < b; n++)
            for (var c = 0; c < C; c++)
            {
                var s = B2[c];
                for (var j = 0; j < H; j++) s += W2[c * H + j] * Math.Max(z[n * H + j], 0);
                f[n * C + c] = s + (logitShift?[n * C + c] ?? 0);
            }
        return new Pass(h, z, f);
    }

    /// <summary>Mean softmax cross-entropy of the logits.</summary>
    public static double Loss(double[] f, long[] labels)
    {
        var b = labels.Length;
        double total = 0;
        for (var n = 0; n < b; n++)
        {
            var max = Enumerable.Range(0, C).Max(c => f[n * C + c]);
            var lse = max + Math.Log(Enumerable.Range(0, C).Sum(c => Math.Exp(f[n * C + c] - max)));
            total += lse - f[n * C + labels[n]];
        }
        return total / b;
    }

    /// <summary>∂φ/∂a for every entry of <paramref name="a"/> by central differences in double.</summary>
    public static double[] Gradient(double[] a, Func<double> phi, double step = 1e-6)
    {
        var g = new double[a.Length];
        for (var i = 0; i < a.Length; i++)
        {
            var keep = a[i];
            a[i] = keep + step; var up = phi();
            a[i] = keep - step; var down = phi();
            a[i] = keep;
            g[i] = (up - down) / (2 * step);
        }
        return g;
    }
}
