namespace NasiOnnx.Engine.Init;

/// <summary>
/// A small, fast, seeded generator (xoshiro256** seeded by SplitMix64). Its stream is fixed by this code alone,
/// not by the .NET version, so the same seed gives the same weights and data everywhere.
/// </summary>
public sealed class Rng
{
    private ulong _s0, _s1, _s2, _s3;
    private double? _spareGaussian;

    public Rng(ulong seed)
    {
        var x = seed;
        _s0 = SplitMix(ref x); _s1 = SplitMix(ref x); _s2 = SplitMix(ref x); _s3 = SplitMix(ref x);
    }

    /// <summary>A generator for a named sub-stream, so adding one consumer does not shift the others' numbers.</summary>
    public static Rng For(ulong seed, string stream)
    {
        ulong h = 14695981039346656037UL; // FNV-1a
        foreach (var c in stream) { h ^= c; h *= 1099511628211UL; }
        return new Rng(seed ^ h);
    }

    public ulong NextULong()
    {
        var result = RotL(_s1 * 5, 7) * 9;
        var t = _s1 << 17;
        _s2 ^= _s0; _s3 ^= _s1; _s1 ^= _s2; _s0 ^= _s3; _s2 ^= t; _s3 = RotL(_s3, 45);
        return result;
    }

    /// <summary>Uniform in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextULong() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform integer in [0, n).</summary>
    public int NextInt(int n) => (int)(NextDouble() * n);

    public double Uniform(double lo, double hi) => lo + (hi - lo) * NextDouble();

    /// <summary>Standard normal (Box–Muller, both values used).</summary>
    public double NextGaussian()
    {
        if (_spareGaussian is { } spare) { _spareGaussian = null; return spare; }
        double u1;
        do u1 = NextDouble(); while (u1 <= double.Epsilon);
        var u2 = NextDouble();
        var r = Math.Sqrt(-2 * Math.Log(u1));
        _spareGaussian = r * Math.Sin(2 * Math.PI * u2);
        return r * Math.Cos(2 * Math.PI * u2);
    }

    /// <summary>+1 or −1 with equal probability.</summary>
    public float NextSign() => (NextULong() >> 63) == 0 ? 1f : -1f;

    public void FillUniform(Span<float> target, double lo, double hi)
    {
        for (var i = 0; i < target.Length; i++) target[i] = (float)Uniform(lo, hi);
    }

    public void FillGaussian(Span<float> target, double mean = 0, double std = 1)
    {
        for (var i = 0; i < target.Length; i++) target[i] = (float)(mean + std * NextGaussian());
    }

    private static ulong RotL(ulong x, int k) => (x << k) | (x >> (64 - k));

    private static ulong SplitMix(ref ulong x)
    {
        var z = x += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
