using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace NasiOnnx.Engine.Autodiff.Kernels;

/// <summary>
/// The backward pass of training-mode BatchNormalization (batch statistics, biased variance) in two passes over
/// memory per channel, where the standard-op rule takes about eight: pass 1 reads x and dy once for Σ(x−k),
/// Σ(x−k)², Σdy and Σdy·(x−k), shifted by the channel's first value k so that the sums do not cancel, in double
/// across rows; pass 2 writes dx = a·dy + b·x + c with per-channel a, b, c. With m values per channel,
/// σ² = var + ε, dβ = Σdy, dγ = Σdy·(x−μ)/σ, and
/// dx = γ/σ · (dy − Σdy/m − (x−μ) · Σdy·(x−μ) / (m σ²)).
/// </summary>
public static unsafe class BatchNormGradient
{
    /// <summary>All channels, on managed memory: x, dy and dx are [N, C, S] row-major, scale, dScale and dBias [C].</summary>
    public static void Compute(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx, ReadOnlySpan<float> scale,
        Span<float> dScale, Span<float> dBias, long n, long channels, long spatial, float epsilon)
    {
        var count = n * channels * spatial;
        if (x.Length != count || dy.Length != count || dx.Length != count || scale.Length != channels || dScale.Length != channels || dBias.Length != channels)
            throw new ArgumentException($"BatchNorm gradient: lengths do not match [{n}, {channels}, {spatial}].");
        fixed (float* px = x, pdy = dy, pdx = dx, ps = scale, pds = dScale, pdb = dBias)
            for (long c = 0; c < channels; c++)
                Channel(px, pdy, pdx, ps, pds, pdb, n, channels, spatial, epsilon, c);
    }

    /// <param name="x">The forward input [N, C, spatial…] as a pointer to N·C·S floats.</param>
    /// <param name="dy">The output cotangent, same layout.</param>
    /// <param name="dx">The input cotangent, written, same layout.</param>
    /// <param name="scale">γ [C].</param>
    /// <param name="dScale">dγ [C], written.</param>
    /// <param name="dBias">dβ [C], written.</param>
    /// <param name="n">Batch size N.</param>
    /// <param name="channels">C.</param>
    /// <param name="spatial">S, the elements per sample and channel.</param>
    /// <param name="epsilon">BatchNormalization's ε.</param>
    /// <param name="c">The channel to compute (kernels run channels in parallel).</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot from the first call: no tier-0 code with spilled registers
    internal static void Channel(float* x, float* dy, float* dx, float* scale, float* dScale, float* dBias,
        long n, long channels, long spatial, float epsilon, long c)
    {
        var k = x[c * spatial];
        double sx = 0, sxx = 0, sdy = 0, sdyx = 0;
        for (long i = 0; i < n; i++)
        {
            var offset = (i * channels + c) * spatial;
            RowSums(new ReadOnlySpan<float>(x + offset, (int)spatial), new ReadOnlySpan<float>(dy + offset, (int)spatial), k,
                out var rx, out var rxx, out var rdy, out var rdyx);
            sx += rx;
            sxx += rxx;
            sdy += rdy;
            sdyx += rdyx;
        }
        double m = n * spatial;
        var shiftedMean = sx / m;
        var mean = k + shiftedMean;
        var variance = Math.Max(0, sxx / m - shiftedMean * shiftedMean) + epsilon;
        var inverseStd = 1 / Math.Sqrt(variance);
        var dyCentered = sdyx - shiftedMean * sdy; // Σ dy·(x − μ)
        dBias[c] = (float)sdy;
        dScale[c] = (float)(dyCentered * inverseStd);
        var gain = scale[c] * inverseStd;
        var a = (float)gain;
        var b = (float)(-gain * dyCentered / (m * variance));
        var offsetTerm = (float)(-gain * sdy / m - b * mean);
        for (long i = 0; i < n; i++)
        {
            var offset = (i * channels + c) * spatial;
            Affine(new ReadOnlySpan<float>(dy + offset, (int)spatial), new ReadOnlySpan<float>(x + offset, (int)spatial),
                new Span<float>(dx + offset, (int)spatial), a, b, offsetTerm);
        }
    }

    /// <summary>Σ(x−k), Σ(x−k)², Σdy, Σdy·(x−k) over one row, in float lanes (a row is at most a few thousand values).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot from the first call: no tier-0 code with spilled registers
    private static void RowSums(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, float k,
        out double sx, out double sxx, out double sdy, out double sdyx)
    {
        var vk = Vector256.Create(k);
        Vector256<float> ax = default, axx = default, ady = default, adyx = default;
        var i = 0;
        for (; i + 8 <= x.Length; i += 8)
        {
            var vx = Vector256.Create(x.Slice(i, 8)) - vk;
            var vdy = Vector256.Create(dy.Slice(i, 8));
            ax += vx;
            axx = Vector256.FusedMultiplyAdd(vx, vx, axx);
            ady += vdy;
            adyx = Vector256.FusedMultiplyAdd(vdy, vx, adyx);
        }
        float tx = Vector256.Sum(ax), txx = Vector256.Sum(axx), tdy = Vector256.Sum(ady), tdyx = Vector256.Sum(adyx);
        for (; i < x.Length; i++)
        {
            var v = x[i] - k;
            tx += v;
            txx += v * v;
            tdy += dy[i];
            tdyx += dy[i] * v;
        }
        (sx, sxx, sdy, sdyx) = (tx, txx, tdy, tdyx);
    }

    /// <summary>dx = a·dy + b·x + c.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot from the first call: no tier-0 code with spilled registers
    private static void Affine(ReadOnlySpan<float> dy, ReadOnlySpan<float> x, Span<float> dx, float a, float b, float c)
    {
        var (va, vb, vc) = (Vector256.Create(a), Vector256.Create(b), Vector256.Create(c));
        var i = 0;
        for (; i + 8 <= dx.Length; i += 8)
        {
            var r = Vector256.FusedMultiplyAdd(va, Vector256.Create(dy.Slice(i, 8)), Vector256.FusedMultiplyAdd(vb, Vector256.Create(x.Slice(i, 8)), vc));
            r.CopyTo(dx.Slice(i, 8));
        }
        for (; i < dx.Length; i++) dx[i] = a * dy[i] + (b * x[i] + c);
    }
}
