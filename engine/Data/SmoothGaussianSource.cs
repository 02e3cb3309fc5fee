using NasiOnnx.Engine.Graphs;
using NasiOnnx.Engine.Init;

namespace NasiOnnx.Engine.Data;

/// <summary>
/// Data-free inputs with the spatial correlation of images: i.i.d. N(0, 1) pixels blurred by <see cref="Blurs"/>
/// passes of a 3×3 box filter per channel (the mean over the window's in-image pixels), then scaled so that an
/// interior pixel has unit variance again. White noise has no spatial structure at all, so pooling and 3×3 convolutions
/// see inputs unlike any image; three passes (a near-Gaussian blur of σ ≈ 1.4 px) give neighbouring pixels a correlation
/// of about 0.9, as natural images have. No true labels.
/// </summary>
public sealed class SmoothGaussianSource : BatchSource
{
    private readonly long[] _sampleShape;
    private readonly double _scale;

    public SmoothGaussianSource(long[] sampleShape, int classes, ulong seed, int blurs = DefaultBlurs) : base(classes, LabelMode.Random, seed)
    {
        if (sampleShape.Length != 3) throw new NasiException($"smooth data needs images [channels, height, width], the model takes [{string.Join(",", sampleShape)}]");
        if (blurs is < 0 or > 16) throw new NasiException($"smooth data: blur passes must lie in 0..16 (got {blurs})");
        _sampleShape = sampleShape;
        Blurs = blurs;
        _scale = 1 / Math.Sqrt(InteriorVariance(blurs));
    }

    public const int DefaultBlurs = 3;

    public int Blurs { get; }

    public override long[] SampleShape => _sampleShape;
    public override string Description => $"smooth gaussian ({Blurs} blurs)";

    protected override (Tensor, long[]?) DrawInputs(int batchSize, int step)
    {
        var shape = new[] { (long)batchSize }.Concat(_sampleShape).ToArray();
        var t = Tensor.Zeros(shape);
        Rng.For(Seed, $"inputs/{step}").FillGaussian(t.Data);
        int h = (int)_sampleShape[1], w = (int)_sampleShape[2];
        var plane = h * w;
        var buffer = new float[plane];
        for (var offset = 0; offset < t.Data.Length; offset += plane)
        {
            var image = t.Data.AsSpan(offset, plane);
            for (var b = 0; b < Blurs; b++) Blur(image, buffer, h, w);
            for (var i = 0; i < plane; i++) image[i] = (float)(image[i] * _scale);
        }
        return (t, null);
    }

    /// <summary>One 3×3 box pass in place: each pixel becomes the mean of its window's in-image pixels.</summary>
    private static void Blur(Span<float> image, float[] buffer, int h, int w)
    {
        for (var y = 0; y < h; y++)
            for (var x = 0; x < w; x++)
            {
                float sum = 0;
                var count = 0;
                for (var yy = Math.Max(0, y - 1); yy <= Math.Min(h - 1, y + 1); yy++)
                    for (var xx = Math.Max(0, x - 1); xx <= Math.Min(w - 1, x + 1); xx++) { sum += image[yy * w + xx]; count++; }
                buffer[y * w + x] = sum / count;
            }
        buffer.AsSpan(0, image.Length).CopyTo(image);
    }

    /// <summary>Σ k² of the box kernel convolved with itself <paramref name="blurs"/> times: an interior pixel's variance.</summary>
    private static double InteriorVariance(int blurs)
    {
        double[] kernel = [1];
        for (var b = 0; b < blurs; b++)
        {
            var next = new double[kernel.Length + 2];
            for (var i = 0; i < kernel.Length; i++)
                for (var d = 0; d < 3; d++) next[i + d] += kernel[i] / 3;
            kernel = next;
        }
        var oneAxis = kernel.Sum(k => k * k);
        return oneAxis * oneAxis; // separable: the 2-D kernel is the outer product of the 1-D one
    }
}
