using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace NasiOnnx.Engine.Autodiff.Kernels;

/// <summary>ReLU's backward in one pass: dx = dy where y &gt; 0, else 0 (0 at the kink, as PyTorch and the
/// standard-op rule's Where(Greater(y, 0), dy, 0), which takes two passes and a bool tensor).</summary>
public static class ReluGradient
{
    /// <summary>dx = dy where y &gt; 0, else 0; the three spans have one length.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot from the first call: no tier-0 code with spilled registers
    public static void Apply(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx)
    {
        var i = 0;
        for (; i + 8 <= dx.Length; i += 8)
        {
            var mask = Vector256.GreaterThan(Vector256.Create(y.Slice(i, 8)), Vector256<float>.Zero);
            (Vector256.Create(dy.Slice(i, 8)) & mask).CopyTo(dx.Slice(i, 8));
        }
        for (; i < dx.Length; i++) dx[i] = y[i] > 0 ? dy[i] : 0f;
    }
}
