using NasiOnnx.Engine.Autodiff;
using NasiOnnx.Engine.Autodiff.Kernels;
using NasiOnnx.Engine.Graphs;
using NasiOnnx.Engine.Init;
using NasiOnnx.Engine.Runtime;

namespace NasiOnnx.Tests.Autodiff;

/// <summary>
/// Conv's weight gradient against the textbook sum in float64, at the sizes of real networks (the check table's
/// one-node cases are small): dW[o,i,a,b] = Σ_n,y,x v[n,o,y,x] · in[n,i,y·s+a·d−p, x·s+b·d−p].
/// </summary>
public class ConvWeightGradientTests
{
    [TestCase(8, 4, 16, 3, 1, 1)]
    [TestCase(8, 4, 16, 3, 2, 1)]
    [TestCase(4, 8, 32, 3, 1, 1)]
    [TestCase(4, 6, 9, 1, 2, 0)]
    public void WeightGradientIsTheCorrelationOfInputAndCotangent(int n, int c, int size, int k, int stride, int pad)
    {
        var rng = new Rng(11);
        var g = GraphBuilder.Create("conv");
        var x = g.Input("x", ElementType.Float, n, c, size, size);
        var w = new float[c * c * k * k];
        rng.FillGaussian(w, 0, 0.3);
        var y = g.Node("Conv", [x, g.Initializer("W", w, c, c, k, k)], Attr.Ints("kernel_shape", k, k),
            Attr.Ints("strides", stride, stride), Attr.Ints("pads", pad, pad, pad, pad));
        var outSize = (size + 2 * pad - k) / stride + 1;
        g.Output(y, ElementType.Float, [n, c, outSize, outSize]);
        var model = g.Model;

        var gradient = Vjp.Build(model, [GradientSeed.FromInput(y)], new Dictionary<string, long[]> { ["x"] = [n, c, size, size] });
        var input = Tensor.Zeros(n, c, size, size);
        rng.FillGaussian(input.Data);
        var v = Tensor.Zeros(n, c, outSize, outSize);
        rng.FillGaussian(v.Data);
        using var session = SessionFactory.Create(gradient.Model, new RuntimeOptions { Provider = ExecutionProvider.Cpu });
        var dW = session.Run(new Dictionary<string, Tensor> { ["x"] = input, [gradient.SeedInputs[y]] = v }, null, [gradient.Gradients["W"]])[0].Data;

        double worst = 0;
        for (var o = 0; o < c; o++)
        for (var i = 0; i < c; i++)
        for (var a = 0; a < k; a++)
        for (var b = 0; b < k; b++)
        {
            double sum = 0, scale = 0;
            for (var s = 0; s < n; s++)
            for (var yy = 0; yy < outSize; yy++)
            for (var xx = 0; xx < outSize; xx++)
            {
                int r = yy * stride + a - pad, q = xx * stride + b - pad;
                if (r < 0 || q < 0 || r >= size || q >= size) continue;
                var term = (double)v.Data[((s * c + o) * outSize + yy) * outSize + xx] * input.Data[((s * c + i) * size + r) * size + q];
                sum += term;
                scale += Math.Abs(term);
            }
            var got = dW[((o * c + i) * k + a) * k + b];
            worst = Math.Max(worst, Math.Abs(got - sum) / scale);
        }
        Assert.That(worst, Is.LessThan(1e-5), "largest error relative to the sum of |terms|");
    }

    /// <summary>
    /// The kernel alone, on geometries that reach its edges: batches that do not split evenly into its sample chunks,
    /// output channels past a 16-channel panel, columns past a 6-column tile, pads wider than the kernel's reach
    /// (output wider than input), dilation, a 1 × 1 conv read in place, and samples large enough to be grouped.
    /// </summary>
    [TestCase(13, 5, 7, 9, 9, 3, 3, 1, 1, 1, 1)]
    [TestCase(3, 4, 19, 6, 10, 3, 3, 2, 2, 1, 1)]
    [TestCase(10, 3, 17, 8, 8, 3, 3, 2, 2, 2, 2)]
    [TestCase(9, 6, 33, 5, 7, 1, 3, 0, 1, 1, 1)]
    [TestCase(64, 16, 16, 8, 8, 1, 1, 0, 0, 1, 1)]
    [TestCase(20, 64, 64, 8, 8, 3, 3, 1, 1, 1, 1)]
    public void KernelMatchesTheTextbookSum(int n, int c, int m, int h, int w, int kh, int kw, int padTop, int padLeft, int dilationH, int dilationW)
    {
        var outH = h + 2 * padTop - (kh - 1) * dilationH;
        var outW = w + 2 * padLeft - (kw - 1) * dilationW;
        var g = new ConvWeightGradient.Geometry(n, c, h, w, m, outH, outW, kh, kw, padTop, padLeft, dilationH, dilationW);
        var rng = new Rng(5);
        var x = new float[n * c * h * w];
        var dy = new float[n * m * outH * outW];
        rng.FillGaussian(x, 0, 1);
        rng.FillGaussian(dy, 0, 1);
        var dw = new float[m * c * kh * kw];
        ConvWeightGradient.Compute(x, dy, dw, g);

        double worst = 0;
        for (var o = 0; o < m; o++)
        for (var i = 0; i < c; i++)
        for (var a = 0; a < kh; a++)
        for (var b = 0; b < kw; b++)
        {
            double sum = 0, scale = 0;
            for (var s = 0; s < n; s++)
            for (var p = 0; p < outH; p++)
            for (var q = 0; q < outW; q++)
            {
                int r = p + a * dilationH - padTop, col = q + b * dilationW - padLeft;
                if (r < 0 || col < 0 || r >= h || col >= w) continue;
                var term = (double)dy[((s * m + o) * outH + p) * outW + q] * x[((s * c + i) * h + r) * w + col];
                sum += term;
                scale += Math.Abs(term);
            }
            worst = Math.Max(worst, Math.Abs(dw[((o * c + i) * kh + a) * kw + b] - sum) / Math.Max(scale, 1e-30));
        }
        Assert.That(worst, Is.LessThan(1e-5), "largest error relative to the sum of |terms|");
    }
}
