using System.Buffers;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace NasiOnnx.Engine.Autodiff.Kernels;

/// <summary>
/// The weight gradient of a 2-D, one-group, stride-1 convolution, read from X and dY in NCHW:
/// dW[m, c, i, j] = Σ_n Σ_(p,q) dY[n, m, p, q] · X[n, c, p + i·dh − top, q + j·dw − left] — a GEMM
/// dW[m, col] = Σ_k A[m, k] · B[col, k] over k = (n, p, q). A is dY, packed into panels of 16 output channels
/// ([k][16], one 8 × 8 transpose per block); B's row for column (c, i, j) is a contiguous run of a copy of X shifted
/// by j and zero-padded, so B needs no im2col: 3 copies of X for a 3 × 3 kernel where im2col writes 9. The
/// micro-kernel keeps a 16 × 6 tile of dW in twelve AVX registers and takes per step two vector loads of A and six
/// broadcasts of B for twelve FMAs (the ratio of MLAS's own SGEMM kernel), 75–87 GFLOP/s on data in L1 here.
/// The batch is cut into a fixed number of sample chunks, each with its own sums (so the result does not depend on the
/// thread count); within a chunk a few samples at a time are packed and shifted into buffers that stay in L2 and used
/// at once, instead of packing the whole batch first (17 MB through memory for a 16-channel 32 × 32 conv at batch 64).
/// Partial sums go to double every few thousand steps, so dW is summed over N·P terms with float error of a few
/// thousand terms at most.
/// </summary>
public static unsafe class ConvWeightGradient
{
    /// <summary>The convolution's sizes: input [N, C, H, W], output [N, M, OutH, OutW], kernel [M, C, KernelH, KernelW].</summary>
    public readonly record struct Geometry(int N, int C, int H, int W, int M, int OutH, int OutW, int KernelH, int KernelW,
        int PadTop, int PadLeft, int DilationH, int DilationW)
    {
        /// <summary>Rows of the zero-padded input a stride-1 convolution reads.</summary>
        public int PaddedH => OutH - 1 + (KernelH - 1) * DilationH + 1;

        /// <summary>The (c, i, j) columns of dW's GEMM.</summary>
        public int Columns => C * KernelH * KernelW;

        internal int Positions => OutH * OutW;
    }

    private const int Mr = 16; // output channels per panel: two AVX vectors
    private const int Nr = 6;  // columns per tile: six broadcasts
    private const int Kb = 256; // steps per block: a 16 KB panel of A stays in L1
    private const int TilesPerBlock = 8; // column tiles that share an L1 block of A (3 KB of dW tiles)
    private const int L2Floats = 80 * 1024; // 320 KB of the 512 KB L2 for a group's X copies and dY panels
    private const int MaxChunks = 8; // sample chunks, each with its own sums: enough to balance two to eight threads

    /// <summary>All of dW, on managed memory: x [N, C, H, W], dy [N, M, OutH, OutW], dw [M, C, KernelH, KernelW].</summary>
    public static void Compute(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dw, Geometry g)
    {
        if (x.Length != (long)g.N * g.C * g.H * g.W || dy.Length != (long)g.N * g.M * g.Positions || dw.Length != (long)g.M * g.Columns)
            throw new ArgumentException("ConvWeightGradient: lengths do not match the geometry.");
        fixed (float* px = x, pdy = dy, pdw = dw)
            Compute(px, pdy, pdw, g, (count, body) => { for (var i = 0; i < count; i++) body(i); });
    }

    /// <summary>dW for the whole batch; <paramref name="parallelFor"/>(count, body) runs independent tasks (serially is fine).</summary>
    internal static void Compute(float* x, float* dy, float* dw, Geometry g, Action<int, Action<int>> parallelFor)
    {
        var positions = g.Positions;
        var mTiles = (g.M + Mr - 1) / Mr;
        var colTiles = (g.Columns + Nr - 1) / Nr;
        var direct = g.KernelH == 1 && g.KernelW == 1 && g.PadTop == 0 && g.PadLeft == 0 && g.OutW == g.W && g.OutH <= g.H;
        var plane = (long)g.PaddedH * g.OutW;
        var bSample = direct ? (long)g.C * g.H * g.W : g.C * g.KernelW * plane;
        var window = g.KernelH * g.KernelW;
        var rows = new long[g.Columns]; // offset of column (c, i, j)'s run within a sample's B
        for (var col = 0; col < g.Columns; col++)
        {
            var (c, tap) = (col / window, col % window);
            var (i, j) = (tap / g.KernelW, tap % g.KernelW);
            rows[col] = direct ? (long)c * g.H * g.W : (c * g.KernelW + j) * plane + (long)i * g.DilationH * g.OutW;
        }
        // Samples in fixed chunks, each summed into its own dW: a sample's packed dY and shifted X are made just before
        // they are used and stay in L2, and the result does not depend on how many threads run the chunks.
        var chunks = Math.Min(g.N, MaxChunks);
        var tileFloats = mTiles * colTiles * Mr * Nr;
        var shiftFloats = direct ? 0 : checked((int)(bSample + 15) / 16 * 16); // whole cache lines, so that every panel is aligned
        var panelFloats = mTiles * positions * Mr;
        // Samples per group: their shifted X and packed dY (made together, then used together) fit in L2.
        var group = Math.Clamp(L2Floats / (shiftFloats + panelFloats), 1, (g.N + chunks - 1) / chunks);
        var perChunk = group * (shiftFloats + panelFloats) + tileFloats;
        var scratch = ArrayPool<float>.Shared.Rent(checked(chunks * perChunk + 16));
        var zeros = new float[Math.Max(Kb, positions)];
        // Each chunk's double sums, laid out as the float tiles so that a flush is one vectorised pass. Pooled: a new
        // one of 2.4 MB would be a large-object allocation per call.
        var partial = ArrayPool<double>.Shared.Rent(chunks * tileFloats);
        Array.Clear(partial, 0, chunks * tileFloats);
        var samplesPerFlush = Math.Max(group, 4096 / positions / group * group);
        try
        {
            fixed (float* ps = scratch, pz = zeros)
            {
                // Panels on 64-byte lines: an AVX load of A that straddles two lines costs two.
                var (xs, ys, ss, zz) = ((IntPtr)x, (IntPtr)dy, (IntPtr)ps + (nint)((64 - (long)ps % 64) % 64), (IntPtr)pz);
                parallelFor(chunks, chunk =>
                {
                    var shifted = (float*)ss + (long)chunk * perChunk;
                    var panels = shifted + group * shiftFloats;
                    var tiles = panels + group * panelFloats;
                    var sums = new Span<double>(partial, chunk * tileFloats, tileFloats);
                    new Span<float>(tiles, tileFloats).Clear();
                    var (first, last) = ((int)((long)g.N * chunk / chunks), (int)((long)g.N * (chunk + 1) / chunks));
                    var run = stackalloc float*[Nr];
                    var step = stackalloc long[Nr];
                    var sinceFlush = 0;
                    for (var n0 = first; n0 < last; n0 += group)
                    {
                        var count = Math.Min(group, last - n0);
                        for (var s = 0; s < count; s++)
                        {
                            if (!direct) Shift((float*)xs, shifted + (long)s * shiftFloats, g, n0 + s);
                            for (var t = 0; t < mTiles; t++)
                                Pack((float*)ys + (long)(n0 + s) * g.M * positions, panels + (long)s * panelFloats + (long)t * positions * Mr, g, t * Mr, (float*)zz);
                        }
                        for (var t = 0; t < mTiles; t++)
                            for (var cb = 0; cb < colTiles; cb += TilesPerBlock)
                                // A block of the group's panels stays in L1 while a block of column tiles reads it.
                                for (var k0 = 0; k0 < positions; k0 += Kb)
                                {
                                    var length = Math.Min(Kb, positions - k0);
                                    var a = panels + (long)t * positions * Mr + (long)k0 * Mr;
                                    var b = direct ? (float*)xs + n0 * bSample : shifted;
                                    for (var ct = cb; ct < Math.Min(colTiles, cb + TilesPerBlock); ct++)
                                    {
                                        var col0 = ct * Nr;
                                        for (var k = 0; k < Nr; k++)
                                        {
                                            var real = col0 + k < g.Columns; // padding columns read zeros
                                            run[k] = real ? b + rows[col0 + k] + k0 : (float*)zz;
                                            step[k] = real ? (direct ? bSample : shiftFloats) : 0;
                                        }
                                        Micro(a, panelFloats, run, step, length, count, tiles + ((long)t * colTiles + ct) * Mr * Nr);
                                    }
                                }
                        sinceFlush += count;
                        if (sinceFlush >= samplesPerFlush || n0 + count == last)
                        {
                            Flush(tiles, sums);
                            new Span<float>(tiles, tileFloats).Clear();
                            sinceFlush = 0;
                        }
                    }
                });
            }
            for (var chunk = 1; chunk < chunks; chunk++) // in chunk order, whatever the threads did
                TensorPrimitives.Add(partial.AsSpan(0, tileFloats), partial.AsSpan(chunk * tileFloats, tileFloats), partial.AsSpan(0, tileFloats));
            // Tile [t, ct] holds dW[t·16 + r, ct·6 + k] at k·16 + r; dW [M, C, kh, kw] row-major is [M, Columns].
            for (var t = 0; t < mTiles; t++)
                for (var ct = 0; ct < colTiles; ct++)
                {
                    var tile = ((long)t * colTiles + ct) * Mr * Nr;
                    for (var k = 0; k < Nr && ct * Nr + k < g.Columns; k++)
                        for (var r = 0; r < Mr && t * Mr + r < g.M; r++)
                            dw[(t * Mr + r) * g.Columns + ct * Nr + k] = (float)partial[tile + k * Mr + r];
                }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(scratch);
            ArrayPool<double>.Shared.Return(partial);
        }
    }

    /// <summary>A chunk's double sums += its float tiles, element by element (both in the tiles' layout).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Flush(float* tiles, Span<double> sums)
    {
        fixed (double* d = sums)
        {
            var i = 0;
            for (; i + 8 <= sums.Length; i += 8)
            {
                var (lo, hi) = Vector256.Widen(Vector256.Load(tiles + i));
                (Vector256.Load(d + i) + lo).Store(d + i);
                (Vector256.Load(d + i + 4) + hi).Store(d + i + 4);
            }
            for (; i < sums.Length; i++) d[i] += tiles[i];
        }
    }

    /// <summary>
    /// tile[k·16 + r] += Σ_n Σ_s a[n·aStride + s·16 + r] · b[k][n·bStride[k] + s] over <paramref name="samples"/> samples of
    /// <paramref name="length"/> steps each: twelve accumulators that stay in registers across the samples.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Micro(float* a, long aStride, float** b, long* bStride, int length, int samples, float* tile)
    {
        var c00 = Vector256.Load(tile); var c01 = Vector256.Load(tile + 8);
        var c10 = Vector256.Load(tile + 16); var c11 = Vector256.Load(tile + 24);
        var c20 = Vector256.Load(tile + 32); var c21 = Vector256.Load(tile + 40);
        var c30 = Vector256.Load(tile + 48); var c31 = Vector256.Load(tile + 56);
        var c40 = Vector256.Load(tile + 64); var c41 = Vector256.Load(tile + 72);
        var c50 = Vector256.Load(tile + 80); var c51 = Vector256.Load(tile + 88);
        for (var n = 0; n < samples; n++)
        {
            var p = a + n * aStride;
            float* b0 = b[0] + n * bStride[0], b1 = b[1] + n * bStride[1], b2 = b[2] + n * bStride[2];
            float* b3 = b[3] + n * bStride[3], b4 = b[4] + n * bStride[4], b5 = b[5] + n * bStride[5];
            for (var s = 0; s < length; s++, p += Mr)
            {
                var a0 = Vector256.Load(p);
                var a1 = Vector256.Load(p + 8);
                var v = Vector256.Create(b0[s]); c00 = Vector256.FusedMultiplyAdd(a0, v, c00); c01 = Vector256.FusedMultiplyAdd(a1, v, c01);
                v = Vector256.Create(b1[s]); c10 = Vector256.FusedMultiplyAdd(a0, v, c10); c11 = Vector256.FusedMultiplyAdd(a1, v, c11);
                v = Vector256.Create(b2[s]); c20 = Vector256.FusedMultiplyAdd(a0, v, c20); c21 = Vector256.FusedMultiplyAdd(a1, v, c21);
                v = Vector256.Create(b3[s]); c30 = Vector256.FusedMultiplyAdd(a0, v, c30); c31 = Vector256.FusedMultiplyAdd(a1, v, c31);
                v = Vector256.Create(b4[s]); c40 = Vector256.FusedMultiplyAdd(a0, v, c40); c41 = Vector256.FusedMultiplyAdd(a1, v, c41);
                v = Vector256.Create(b5[s]); c50 = Vector256.FusedMultiplyAdd(a0, v, c50); c51 = Vector256.FusedMultiplyAdd(a1, v, c51);
            }
        }
        c00.Store(tile); c01.Store(tile + 8); c10.Store(tile + 16); c11.Store(tile + 24);
        c20.Store(tile + 32); c21.Store(tile + 40); c30.Store(tile + 48); c31.Store(tile + 56);
        c40.Store(tile + 64); c41.Store(tile + 72); c50.Store(tile + 80); c51.Store(tile + 88);
    }

    /// <summary>A sample's dY channels m0 … m0 + 15 as [position][16] (channels past M read zeros).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Pack(float* dySample, float* panel, Geometry g, int m0, float* zeros)
    {
        var positions = g.Positions;
        var src = stackalloc float*[Mr];
        for (var r = 0; r < Mr; r++) src[r] = m0 + r < g.M ? dySample + (long)(m0 + r) * positions : zeros;
        var k = 0;
        if (Avx.IsSupported)
            for (; k + 8 <= positions; k += 8)
                for (var h = 0; h < Mr; h += 8)
                {
                    // An 8 × 8 transpose: eight channels' next eight positions become eight positions' channels.
                    var r0 = Avx.LoadVector256(src[h] + k); var r1 = Avx.LoadVector256(src[h + 1] + k);
                    var r2 = Avx.LoadVector256(src[h + 2] + k); var r3 = Avx.LoadVector256(src[h + 3] + k);
                    var r4 = Avx.LoadVector256(src[h + 4] + k); var r5 = Avx.LoadVector256(src[h + 5] + k);
                    var r6 = Avx.LoadVector256(src[h + 6] + k); var r7 = Avx.LoadVector256(src[h + 7] + k);
                    var t0 = Avx.UnpackLow(r0, r1); var t1 = Avx.UnpackHigh(r0, r1);
                    var t2 = Avx.UnpackLow(r2, r3); var t3 = Avx.UnpackHigh(r2, r3);
                    var t4 = Avx.UnpackLow(r4, r5); var t5 = Avx.UnpackHigh(r4, r5);
                    var t6 = Avx.UnpackLow(r6, r7); var t7 = Avx.UnpackHigh(r6, r7);
                    var u0 = Avx.Shuffle(t0, t2, 0x44); var u1 = Avx.Shuffle(t0, t2, 0xEE);
                    var u2 = Avx.Shuffle(t1, t3, 0x44); var u3 = Avx.Shuffle(t1, t3, 0xEE);
                    var u4 = Avx.Shuffle(t4, t6, 0x44); var u5 = Avx.Shuffle(t4, t6, 0xEE);
                    var u6 = Avx.Shuffle(t5, t7, 0x44); var u7 = Avx.Shuffle(t5, t7, 0xEE);
                    var dst = panel + (long)k * Mr + h;
                    Avx.Store(dst, Avx.Permute2x128(u0, u4, 0x20));
                    Avx.Store(dst + Mr, Avx.Permute2x128(u1, u5, 0x20));
                    Avx.Store(dst + 2 * Mr, Avx.Permute2x128(u2, u6, 0x20));
                    Avx.Store(dst + 3 * Mr, Avx.Permute2x128(u3, u7, 0x20));
                    Avx.Store(dst + 4 * Mr, Avx.Permute2x128(u0, u4, 0x31));
                    Avx.Store(dst + 5 * Mr, Avx.Permute2x128(u1, u5, 0x31));
                    Avx.Store(dst + 6 * Mr, Avx.Permute2x128(u2, u6, 0x31));
                    Avx.Store(dst + 7 * Mr, Avx.Permute2x128(u3, u7, 0x31));
                }
        for (; k < positions; k++)
            for (var r = 0; r < Mr; r++) panel[(long)k * Mr + r] = src[r][k];
    }

    /// <summary>
    /// Sample <paramref name="n"/> of X as [C, KernelW, PaddedH, OutW]: for each kernel column j, the input shifted
    /// left by j·dw − left and zero-padded top and bottom, so that rows p + i·dh of copy j hold what tap (i, j)
    /// reads for output rows p, one contiguous run over all positions.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Shift(float* x, float* dst, Geometry g, int n)
    {
        var (ph, ow) = (g.PaddedH, g.OutW);
        var length = (long)g.N * g.C * g.H * g.W;
        for (var c = 0; c < g.C; c++)
        {
            var plane = ((long)n * g.C + c) * g.H * g.W;
            for (var j = 0; j < g.KernelW; j++)
            {
                var shift = j * g.DilationW - g.PadLeft; // output column q reads input column q + shift
                var from = Math.Clamp(-shift, 0, ow);
                var to = Math.Clamp(g.W - shift, from, ow);
                for (var r = 0; r < ph; r++, dst += ow)
                {
                    var inputRow = r - g.PadTop;
                    var start = plane + (long)inputRow * g.W + shift;
                    if (inputRow < 0 || inputRow >= g.H || from == to)
                        Fill(dst, ow);
                    else if (start >= 0 && start + ow <= length)
                    {
                        // The whole row at once, neighbours' values included, then the columns it pads set to zero.
                        Copy(x + start, dst, ow);
                        for (var q = 0; q < from; q++) dst[q] = 0;
                        for (var q = to; q < ow; q++) dst[q] = 0;
                    }
                    else
                    {
                        Fill(dst, ow);
                        Copy(x + start + from, dst + from, to - from);
                    }
                }
            }
        }
    }

    /// <summary>dst[0 … count) = src[0 … count): inline, because a call per row of 8–32 floats costs as much as the copy.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Copy(float* src, float* dst, int count)
    {
        var q = 0;
        for (; q + 8 <= count; q += 8) Vector256.Store(Vector256.Load(src + q), dst + q);
        for (; q < count; q++) dst[q] = src[q];
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Fill(float* dst, int count)
    {
        var q = 0;
        for (; q + 8 <= count; q += 8) Vector256<float>.Zero.Store(dst + q);
        for (; q < count; q++) dst[q] = 0;
    }
}
