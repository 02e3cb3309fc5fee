using System.Runtime.CompilerServices;
using System.Buffers;
using System.Runtime.Intrinsics;

namespace NasiOnnx.Engine.Autodiff.Kernels;

/// <summary>
/// The weight gradient of a 2-D, one-group, stride-1 convolution read straight from X and dY in NCHW:
/// dW[m, c, i, j] = Σ_n Σ_(p,q) dY[n, m, p, q] · X[n, c, p + i·dh − top, q + j·dw − left].
/// For a fixed column (c, i, j) the X values a row p of dY meets are one contiguous run of a zero-padded row of X, so
/// each (m, column) pair is a dot product of rows and the whole gradient a GEMM with no im2col in memory: a 4 × 3
/// register tile (four output channels against three columns, twelve AVX accumulators) streams the rows of a few
/// samples at a time, which a zero-padded copy of those samples' X keeps in cache. The standard-op rule writes
/// im2col (9× X for a 3 × 3 kernel) and transposes X and dY for one MatMul instead.
/// </summary>
public static unsafe class ConvWeightGradient
{
    /// <summary>The convolution's sizes: input [N, C, H, W], output [N, M, OutH, OutW], kernel [M, C, KernelH, KernelW].</summary>
    public readonly record struct Geometry(int N, int C, int H, int W, int M, int OutH, int OutW, int KernelH, int KernelW,
        int PadTop, int PadLeft, int DilationH, int DilationW)
    {
        /// <summary>Rows and columns of the zero-padded input a stride-1 convolution reads.</summary>
        public int PaddedH => OutH - 1 + (KernelH - 1) * DilationH + 1;
        public int PaddedW => OutW - 1 + (KernelW - 1) * DilationW + 1;

        /// <summary>The (c, i, j) columns of dW's GEMM.</summary>
        public int Columns => C * KernelH * KernelW;

        /// <summary>True when X itself is the padded input (no pads, and nothing beyond its edges is read).</summary>
        public bool Unpadded => PadTop == 0 && PadLeft == 0 && PaddedH <= H && PaddedW <= W;
    }

    private const int Rows = 4;
    private const int Cols = 3;

    /// <summary>dW for the whole batch; <paramref name="parallelFor"/>(count, body) runs the tasks (serially is fine).</summary>
    public static void Compute(float* x, float* dy, float* dw, Geometry g, Action<int, Action<int>> parallelFor)
    {
        var perSample = ((long)g.M * g.OutH * g.OutW + (long)g.C * g.KernelW * g.PaddedH * g.OutW) * sizeof(float);
        var chunk = (int)Math.Clamp(320 * 1024 / Math.Max(1, perSample), 1, g.N); // samples whose dY and shifted X stay in L2 (512 KB here)
        var chunks = (g.N + chunk - 1) / chunk;
        var tasks = Math.Min(4, chunks);
        var outputs = g.M * g.Columns;
        var accumulators = new double[tasks][];
        var (px, pdy) = ((IntPtr)x, (IntPtr)dy);
        parallelFor(tasks, t =>
        {
            var acc = accumulators[t] = new double[outputs];
            var padded = ArrayPool<float>.Shared.Rent(chunk * g.C * g.KernelW * g.PaddedH * g.OutW);
            try
            {
                fixed (double* pacc = acc)
                fixed (float* ppad = padded)
                    for (var k = t; k < chunks; k += tasks)
                    {
                        var first = k * chunk;
                        var count = Math.Min(chunk, g.N - first);
                        Chunk((float*)px, (float*)pdy, pacc, ppad, g, first, count);
                    }
            }
            finally
            {
                ArrayPool<float>.Shared.Return(padded);
            }
        });
        for (var o = 0; o < outputs; o++)
        {
            double sum = 0;
            for (var t = 0; t < tasks; t++) sum += accumulators[t][o];
            dw[o] = (float)sum; // dW [M, C, kh, kw] row-major is [M, Columns]
        }
    }

    /// <summary>Adds samples [first, first + count) into <paramref name="acc"/> [M, Columns].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot from the first call: no tier-0 code with spilled registers
    private static void Chunk(float* x, float* dy, double* acc, float* shifted, Geometry g, int first, int count)
    {
        // B rows: for column (c, i, j) and sample s, the OutH·OutW values X[s, c, p + i·dh − top, q + j·dw − left]
        // over (p, q), contiguous: from X itself for an unpadded 1 × 1 kernel, else from copies of X shifted by each
        // j and zero-padded (Shift), whose rows have dY's width so that a column's rows run on without a gap.
        var outPlane = g.OutH * g.OutW;
        float* source;
        long sampleStride, channelStride, tapStride;
        if (g.KernelH == 1 && g.KernelW == 1 && g.Unpadded && g.OutW == g.W)
        {
            source = x + (long)first * g.C * g.H * g.W;
            (sampleStride, channelStride, tapStride) = ((long)g.C * g.H * g.W, (long)g.H * g.W, 0);
        }
        else
        {
            Shift(x, shifted, g, first, count);
            source = shifted;
            var plane = (long)g.PaddedH * g.OutW;
            (sampleStride, channelStride, tapStride) = (g.C * g.KernelW * plane, g.KernelW * plane, plane);
        }
        var dyChunk = dy + (long)first * g.M * outPlane;
        var window = g.KernelH * g.KernelW;
        var a = stackalloc float*[Rows];
        var b = stackalloc float*[Cols];
        var sums = stackalloc double[Rows * Cols];
        var vectorEnd = outPlane & ~7;
        for (var col0 = 0; col0 < g.Columns; col0 += Cols)
        {
            var cols = Math.Min(Cols, g.Columns - col0);
            for (var k = 0; k < Cols; k++)
            {
                var col = col0 + Math.Min(k, cols - 1); // a partial tile repeats its last column; the copy is dropped below
                var (c, tap) = (col / window, col % window);
                var (i, j) = (tap / g.KernelW, tap % g.KernelW);
                b[k] = source + c * channelStride + j * tapStride + (long)i * g.DilationH * g.OutW;
            }
            for (var m0 = 0; m0 < g.M; m0 += Rows)
            {
                var rows = Math.Min(Rows, g.M - m0);
                for (var r = 0; r < Rows; r++) a[r] = dyChunk + (long)(m0 + Math.Min(r, rows - 1)) * outPlane;
                Tile(a[0], a[1], a[2], a[3], b[0], b[1], b[2], count, (long)g.M * outPlane, sampleStride, vectorEnd, sums);
                if (vectorEnd < outPlane) TileTail(a, b, count, (long)g.M * outPlane, sampleStride, vectorEnd, outPlane, sums);
                for (var r = 0; r < rows; r++)
                    for (var k = 0; k < cols; k++)
                        acc[(m0 + r) * g.Columns + col0 + k] += sums[r * Cols + k];
            }
        }
    }

    /// <summary>
    /// The 4 × 3 tile: sums[r, k] = Σ over <paramref name="samples"/> samples of the dot product of a_r and b_k over
    /// their first <paramref name="length"/> values (a multiple of 8). Twelve accumulators, three X vectors and one
    /// dY vector fill the sixteen AVX registers; nothing else is live in the loop, so the JIT keeps them there.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot from the first call: no tier-0 code with spilled registers
    private static void Tile(float* a0, float* a1, float* a2, float* a3, float* b0, float* b1, float* b2,
        int samples, long aSample, long bSample, int length, double* sums)
    {
        Vector256<float> c00 = default, c01 = default, c02 = default, c10 = default, c11 = default, c12 = default;
        Vector256<float> c20 = default, c21 = default, c22 = default, c30 = default, c31 = default, c32 = default;
        for (var s = 0; s < samples; s++, a0 += aSample, a1 += aSample, a2 += aSample, a3 += aSample, b0 += bSample, b1 += bSample, b2 += bSample)
        {
            for (var q = 0; q < length; q += 8)
            {
                var x0 = Vector256.Load(b0 + q);
                var x1 = Vector256.Load(b1 + q);
                var x2 = Vector256.Load(b2 + q);
                var y = Vector256.Load(a0 + q);
                c00 = Vector256.FusedMultiplyAdd(y, x0, c00);
                c01 = Vector256.FusedMultiplyAdd(y, x1, c01);
                c02 = Vector256.FusedMultiplyAdd(y, x2, c02);
                y = Vector256.Load(a1 + q);
                c10 = Vector256.FusedMultiplyAdd(y, x0, c10);
                c11 = Vector256.FusedMultiplyAdd(y, x1, c11);
                c12 = Vector256.FusedMultiplyAdd(y, x2, c12);
                y = Vector256.Load(a2 + q);
                c20 = Vector256.FusedMultiplyAdd(y, x0, c20);
                c21 = Vector256.FusedMultiplyAdd(y, x1, c21);
                c22 = Vector256.FusedMultiplyAdd(y, x2, c22);
                y = Vector256.Load(a3 + q);
                c30 = Vector256.FusedMultiplyAdd(y, x0, c30);
                c31 = Vector256.FusedMultiplyAdd(y, x1, c31);
                c32 = Vector256.FusedMultiplyAdd(y, x2, c32);
            }
        }
        sums[0] = Vector256.Sum(c00); sums[1] = Vector256.Sum(c01); sums[2] = Vector256.Sum(c02);
        sums[3] = Vector256.Sum(c10); sums[4] = Vector256.Sum(c11); sums[5] = Vector256.Sum(c12);
        sums[6] = Vector256.Sum(c20); sums[7] = Vector256.Sum(c21); sums[8] = Vector256.Sum(c22);
        sums[9] = Vector256.Sum(c30); sums[10] = Vector256.Sum(c31); sums[11] = Vector256.Sum(c32);
    }

    /// <summary>Adds the values from <paramref name="from"/> to <paramref name="to"/> (fewer than 8) to the tile's sums.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot from the first call: no tier-0 code with spilled registers
    private static void TileTail(float** a, float** b, int samples, long aSample, long bSample, int from, int to, double* sums)
    {
        for (var s = 0; s < samples; s++)
            for (var r = 0; r < Rows; r++)
                for (var k = 0; k < Cols; k++)
                {
                    var ar = a[r] + s * aSample;
                    var bk = b[k] + s * bSample;
                    double t = 0;
                    for (var q = from; q < to; q++) t += ar[q] * bk[q];
                    sums[r * Cols + k] += t;
                }
    }

    /// <summary>
    /// Samples [first, first + count) of X as [count, C, KernelW, PaddedH, OutW]: for each kernel column j, the
    /// input shifted left by j·dw − left and zero-padded top and bottom, so that row p + i·dh of copy j holds what
    /// kernel tap (i, j) reads for output row p.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot from the first call: no tier-0 code with spilled registers
    private static void Shift(float* x, float* shifted, Geometry g, int first, int count)
    {
        var (ph, ow) = (g.PaddedH, g.OutW);
        var dst = shifted;
        for (long plane = 0; plane < (long)count * g.C; plane++)
        {
            var src = x + ((long)first * g.C + plane) * g.H * g.W;
            for (var j = 0; j < g.KernelW; j++)
            {
                var shift = j * g.DilationW - g.PadLeft; // output column q reads input column q + shift
                var from = Math.Clamp(-shift, 0, ow);
                var to = Math.Clamp(g.W - shift, from, ow);
                for (var r = 0; r < ph; r++, dst += ow)
                {
                    var inputRow = r - g.PadTop;
                    if (inputRow < 0 || inputRow >= g.H)
                    {
                        new Span<float>(dst, ow).Clear();
                        continue;
                    }
                    if (from > 0) new Span<float>(dst, from).Clear();
                    new ReadOnlySpan<float>(src + inputRow * g.W + from + shift, to - from).CopyTo(new Span<float>(dst + from, to - from));
                    if (to < ow) new Span<float>(dst + to, ow - to).Clear();
                }
            }
        }
    }
}
