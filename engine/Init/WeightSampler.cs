namespace NasiOnnx.Engine.Init;

/// <summary>
/// Draws seeded initial values for one model. Every tensor draws from its own sub-stream named after the tensor,
/// so a model's weights do not depend on the order its builder creates them.
/// </summary>
public sealed class WeightSampler(ulong seed, WeightInit scheme = WeightInit.PyTorch)
{
    public ulong Seed { get; } = seed;
    public WeightInit Scheme { get; } = scheme;

    /// <summary>Weight of shape [out, in/groups, k…] (conv) or [out, in] (linear): fan_in = in/groups·∏k.</summary>
    public float[] Weight(string name, long[] shape)
    {
        var count = (int)Graphs.Tensor.Count(shape);
        var fanIn = count / shape[0];
        var fanOut = shape.Length > 1 ? count / shape[1] : 1; // out · ∏k, as PyTorch computes it
        var values = new float[count];
        var rng = Rng.For(Seed, name);
        switch (Scheme)
        {
            case WeightInit.PyTorch:
                var bound = 1.0 / Math.Sqrt(fanIn);
                rng.FillUniform(values, -bound, bound);
                break;
            case WeightInit.KaimingNormal:
                rng.FillGaussian(values, 0, Math.Sqrt(2.0 / fanIn));
                break;
            case WeightInit.Xavier:
                var b = Math.Sqrt(6.0 / (fanIn + fanOut));
                rng.FillUniform(values, -b, b);
                break;
        }
        return values;
    }

    /// <summary>Bias of a layer whose weight has fan-in <paramref name="fanIn"/>.</summary>
    public float[] Bias(string name, int length, long fanIn)
    {
        var values = new float[length];
        if (Scheme != WeightInit.PyTorch) return values;
        var bound = 1.0 / Math.Sqrt(fanIn);
        Rng.For(Seed, name).FillUniform(values, -bound, bound);
        return values;
    }

    public static float[] Constant(int length, float value)
    {
        var values = new float[length];
        Array.Fill(values, value);
        return values;
    }
}
