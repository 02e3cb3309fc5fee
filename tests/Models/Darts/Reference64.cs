namespace NasiOnnx.Tests.Models.Darts;

/// <summary>
/// A float64 NCHW reference of the layers DARTS ops are made of, written from their definitions (PyTorch's
/// Conv2d, MaxPool2d, AvgPool2d with count_include_pad=False, BatchNorm2d in eval mode), independent of ONNX.
/// </summary>
internal sealed record Reference64(double[] Data, int N, int C, int H, int W)
{
    public static Reference64 From(float[] data, int n, int c, int h, int w) => new(data.Select(v => (double)v).ToArray(), n, c, h, w);

    public double this[int n, int c, int y, int x] => Data[((n * C + c) * H + y) * W + x];

    private static Reference64 Zeros(int n, int c, int h, int w) => new(new double[n * c * h * w], n, c, h, w);

    private void Set(int n, int c, int y, int x, double v) => Data[((n * C + c) * H + y) * W + x] = v;

    public Reference64 Relu() => this with { Data = Data.Select(v => Math.Max(v, 0)).ToArray() };

    /// <summary>Conv2d without bias; weight [out, in/groups, k, k]; symmetric zero padding.</summary>
    public Reference64 Conv(float[] weight, int outChannels, int k, int stride = 1, int pad = 0, int dilation = 1, int groups = 1)
    {
        int ho = (H + 2 * pad - dilation * (k - 1) - 1) / stride + 1, wo = (W + 2 * pad - dilation * (k - 1) - 1) / stride + 1;
        int inPerGroup = C / groups, outPerGroup = outChannels / groups;
        var y = Zeros(N, outChannels, ho, wo);
        for (var n = 0; n < N; n++)
        for (var o = 0; o < outChannels; o++)
        for (var i = 0; i < ho; i++)
        for (var j = 0; j < wo; j++)
        {
            double sum = 0;
            var g = o / outPerGroup;
            for (var ci = 0; ci < inPerGroup; ci++)
            for (var a = 0; a < k; a++)
            for (var b = 0; b < k; b++)
            {
                int yy = i * stride - pad + a * dilation, xx = j * stride - pad + b * dilation;
                if (yy < 0 || yy >= H || xx < 0 || xx >= W) continue;
                sum += weight[((o * inPerGroup + ci) * k + a) * k + b] * this[n, g * inPerGroup + ci, yy, xx];
            }
            y.Set(n, o, i, j, sum);
        }
        return y;
    }

    /// <summary>3×3 pooling, pad 1: the max, or the mean over the window's in-image cells.</summary>
    public Reference64 Pool3x3(int stride, bool max)
    {
        int ho = (H - 1) / stride + 1, wo = (W - 1) / stride + 1;
        var y = Zeros(N, C, ho, wo);
        for (var n = 0; n < N; n++)
        for (var c = 0; c < C; c++)
        for (var i = 0; i < ho; i++)
        for (var j = 0; j < wo; j++)
        {
            double acc = max ? double.NegativeInfinity : 0;
            var count = 0;
            for (var yy = i * stride - 1; yy <= i * stride + 1; yy++)
            for (var xx = j * stride - 1; xx <= j * stride + 1; xx++)
            {
                if (yy < 0 || yy >= H || xx < 0 || xx >= W) continue;
                acc = max ? Math.Max(acc, this[n, c, yy, xx]) : acc + this[n, c, yy, xx];
                count++;
            }
            y.Set(n, c, i, j, max ? acc : acc / count);
        }
        return y;
    }

    /// <summary>BatchNorm2d in eval mode at PyTorch's initial state (mean 0, var 1, scale 1, bias 0, eps 1e-5).</summary>
    public Reference64 BatchNormAtInit() => this with { Data = Data.Select(v => v / Math.Sqrt(1 + 1e-5)).ToArray() };

    /// <summary>
    /// FactorizedReduce's second branch input as PyTorch feeds it, x[:, :, 1:, 1:], read at stride 2 from pixel (1, 1):
    /// output (i, j) sees pixel (2i + 1, 2j + 1), zero where that lies outside (odd sizes, where PyTorch itself fails).
    /// Returned at ⌈H/2⌉ × ⌈W/2⌉ with channels unchanged, for a 1×1 conv to follow at stride 1.
    /// </summary>
    public Reference64 ShiftedStride2()
    {
        int ho = (H + 1) / 2, wo = (W + 1) / 2;
        var y = Zeros(N, C, ho, wo);
        for (var n = 0; n < N; n++)
        for (var c = 0; c < C; c++)
        for (var i = 0; i < ho; i++)
        for (var j = 0; j < wo; j++)
            y.Set(n, c, i, j, 2 * i + 1 < H && 2 * j + 1 < W ? this[n, c, 2 * i + 1, 2 * j + 1] : 0);
        return y;
    }

    public static Reference64 ConcatChannels(Reference64 a, Reference64 b)
    {
        var y = Zeros(a.N, a.C + b.C, a.H, a.W);
        for (var n = 0; n < a.N; n++)
        for (var c = 0; c < a.C + b.C; c++)
        for (var i = 0; i < a.H; i++)
        for (var j = 0; j < a.W; j++)
            y.Set(n, c, i, j, c < a.C ? a[n, c, i, j] : b[n, c - a.C, i, j]);
        return y;
    }
}
