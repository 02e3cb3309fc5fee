using NasiOnnx.Engine.Autodiff;
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
}
