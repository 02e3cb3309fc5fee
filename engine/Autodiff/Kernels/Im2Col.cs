using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace NasiOnnx.Engine.Autodiff.Kernels;

/// <summary>
/// The columns of a 2-D convolution's weight-gradient GEMM, in one pass from X in NCHW:
/// cols[(c, i, j), (n, p, q)] = X[n, c, p·sh + i·dh − top, q·sw + j·dw − left], zero outside X. Rows are the
/// (channel, tap) pairs in dW's order and columns run over samples, then output positions, so that a row is a
/// sequence of shifted copies of X's rows (one memory copy each at stride 1). The standard-op rule gets the same
/// numbers (positions and samples the other way round) from a Transpose, a Pad and a Gather: three passes.
/// </summary>
public static unsafe class Im2Col
{
    /// <summary>Input [N, C, H, W], output positions OutH × OutW, kernel KernelH × KernelW, strides, top and left pads, dilations.</summary>
    public readonly record struct Geometry(int N, int C, int H, int W, int OutH, int OutW, int KernelH, int KernelW,
        int StrideH, int StrideW, int PadTop, int PadLeft, int DilationH, int DilationW)
    {
        /// <summary>Columns of the result: N · OutH · OutW.</summary>
        public long Columns => (long)N * OutH * OutW;
    }

    /// <summary>All rows, on managed memory: <paramref name="cols"/> is [C·KernelH·KernelW, N·OutH·OutW].</summary>
    public static void Compute(ReadOnlySpan<float> x, Span<float> cols, Geometry g)
    {
        if (x.Length != (long)g.N * g.C * g.H * g.W || cols.Length != (long)g.C * g.KernelH * g.KernelW * g.Columns)
            throw new ArgumentException("Im2Col: lengths do not match the geometry.");
        fixed (float* px = x, pc = cols)
            for (var c = 0; c < g.C; c++) Channel(px, pc, g, c);
    }

    /// <summary>The KernelH · KernelW rows of channel <paramref name="c"/> (kernels run channels in parallel).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Channel(float* x, float* cols, Geometry g, int c)
    {
        var plane = (long)g.H * g.W;
        var positions = g.OutH * g.OutW;
        for (var i = 0; i < g.KernelH; i++)
            for (var j = 0; j < g.KernelW; j++)
            {
                var row = cols + ((long)(c * g.KernelH + i) * g.KernelW + j) * g.Columns;
                var shift = j * g.DilationW - g.PadLeft; // output column q reads input column q·sw + shift
                // Output columns whose input column lies inside X: q·sw + shift ∈ [0, W).
                var first = shift >= 0 ? 0 : Math.Min(g.OutW, (-shift + g.StrideW - 1) / g.StrideW);
                var end = Math.Clamp((g.W - 1 - shift) / g.StrideW + 1, first, g.OutW);
                if (g.W - 1 - shift < 0) end = first;
                for (var n = 0; n < g.N; n++)
                {
                    var src = x + ((long)n * g.C + c) * plane;
                    var dst = row + (long)n * positions;
                    for (var p = 0; p < g.OutH; p++, dst += g.OutW)
                    {
                        var r = p * g.StrideH + i * g.DilationH - g.PadTop;
                        if (r < 0 || r >= g.H)
                        {
                            for (var q = 0; q < g.OutW; q++) dst[q] = 0;
                            continue;
                        }
                        var line = src + (long)r * g.W;
                        for (var q = 0; q < first; q++) dst[q] = 0;
                        if (g.StrideW == 1) CopyRun(line + shift, dst, first, end);
                        else
                            for (var q = first; q < end; q++) dst[q] = line[q * g.StrideW + shift];
                        for (var q = end; q < g.OutW; q++) dst[q] = 0;
                    }
                }
            }
    }

    /// <summary>dst[q] = src[q] for q in [from, to): rows are short (8–32 values here), so an inline vector loop
    /// beats a call to a general copy.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CopyRun(float* src, float* dst, int from, int to)
    {
        var q = from;
        for (; q + 8 <= to; q += 8) Vector256.Store(Vector256.Load(src + q), dst + q);
        for (; q < to; q++) dst[q] = src[q];
    }
}
