using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace NasiOnnx.Engine.Autodiff.Kernels;

/// <summary>
/// The backward pass of training-mode BatchNormalization (batch statistics, biased variance) in two passes over
/// memory per channel, where the standard-op rule takes about eight: pass 1 reads x and dy once for Σ(x−k),
/// Σ(x−k)², Σdy and Σdy·(x−k), shifted by the channel's first value k so that the sums do not cancel, in float lanes
/// along a row, then in double across rows; pass 2 writes dx = a·dy + b·x + c with per-channel a, b, c. With m values
/// per channel, σ² = var + ε, dβ = Σdy, dγ = Σdy·(x−μ)/σ, and
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
        var vk = Vector256.Create(k);
        // Each row in float lanes, added to double lanes at its end (a widening add, not a horizontal sum per row).
        Vector256<double> sx0 = default, sx1 = default, sxx0 = default, sxx1 = default;
        Vector256<double> sdy0 = default, sdy1 = default, sdyx0 = default, sdyx1 = default;
        double tx = 0, txx = 0, tdy = 0, tdyx = 0;
        var vectorEnd = spatial & ~7L;
        for (long i = 0; i < n; i++)
        {
            var px = x + (i * channels + c) * spatial;
            var pdy = dy + (i * channels + c) * spatial;
            Vector256<float> ax = default, axx = default, ady = default, adyx = default;
            for (long s = 0; s < vectorEnd; s += 8)
            {
                var vx = Vector256.Load(px + s) - vk;
                var vdy = Vector256.Load(pdy + s);
                ax += vx;
                axx = Vector256.FusedMultiplyAdd(vx, vx, axx);
                ady += vdy;
                adyx = Vector256.FusedMultiplyAdd(vdy, vx, adyx);
            }
            for (var s = vectorEnd; s < spatial; s++)
            {
                var v = px[s] - k;
                (tx, txx, tdy, tdyx) = (tx + v, txx + v * v, tdy + pdy[s], tdyx + pdy[s] * v);
            }
            var (lo, hi) = Vector256.Widen(ax); (sx0, sx1) = (sx0 + lo, sx1 + hi);
            (lo, hi) = Vector256.Widen(axx); (sxx0, sxx1) = (sxx0 + lo, sxx1 + hi);
            (lo, hi) = Vector256.Widen(ady); (sdy0, sdy1) = (sdy0 + lo, sdy1 + hi);
            (lo, hi) = Vector256.Widen(adyx); (sdyx0, sdyx1) = (sdyx0 + lo, sdyx1 + hi);
        }
        var sx = Vector256.Sum(sx0 + sx1) + tx;
        var sxx = Vector256.Sum(sxx0 + sxx1) + txx;
        var sdy = Vector256.Sum(sdy0 + sdy1) + tdy;
        var sdyx = Vector256.Sum(sdyx0 + sdyx1) + tdyx;
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
        var (va, vb, vc) = (Vector256.Create(a), Vector256.Create(b), Vector256.Create(offsetTerm));
        for (long i = 0; i < n; i++)
        {
            var offset = (i * channels + c) * spatial;
            float* px = x + offset, pdy = dy + offset, pdx = dx + offset;
            for (long s = 0; s < vectorEnd; s += 8)
                Vector256.FusedMultiplyAdd(va, Vector256.Load(pdy + s), Vector256.FusedMultiplyAdd(vb, Vector256.Load(px + s), vc)).Store(pdx + s);
            for (var s = vectorEnd; s < spatial; s++) pdx[s] = a * pdy[s] + (b * px[s] + offsetTerm);
        }
    }
}
