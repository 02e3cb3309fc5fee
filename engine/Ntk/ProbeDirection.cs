using NasiOnnx.Engine.Init;

namespace NasiOnnx.Engine.Ntk;

/// <summary>The random direction of probe k: a function of (seed, k) alone, whichever worker draws it.</summary>
internal static class ProbeDirection
{
    public static void Fill(Span<float> v, ProbeKind kind, ulong seed, int probe)
    {
        var rng = Rng.For(seed, $"probe{probe}");
        if (kind == ProbeKind.Gaussian)
        {
            rng.FillGaussian(v);
            return;
        }
        // 64 signs per draw: the generator would otherwise cost as much as a small net's forward pass.
        for (var i = 0; i < v.Length; i += 64)
        {
            var bits = rng.NextULong();
            var end = Math.Min(v.Length, i + 64);
            for (var j = i; j < end; j++, bits >>= 1) v[j] = (bits & 1) == 0 ? 1f : -1f;
        }
    }
}
