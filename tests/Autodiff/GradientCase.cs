using NasiOnnx.Engine.Graphs;
using NasiOnnx.Engine.Init;
using Onnx;

namespace NasiOnnx.Tests.Autodiff;

/// <summary>How one input of a gradient case is made.</summary>
/// <param name="Shape">Its shape.</param>
/// <param name="Sample">Fills its values (null for int inputs, which carry <paramref name="Ints"/>).</param>
/// <param name="Differentiable">A graph input the VJP is checked for; otherwise a constant initializer.</param>
/// <param name="Ints">Values of an int64 constant input (shapes, axes, pads, labels).</param>
/// <param name="Int32">The int constant is int32 (a recurrent op's sequence_lens), not int64.</param>
public sealed record CaseInput(long[] Shape, Action<Rng, float[]>? Sample, bool Differentiable, long[]? Ints = null, bool Int32 = false)
{
    /// <summary>An optional input left out (empty name).</summary>
    public bool Absent => Sample is null && Ints is null;

    public static CaseInput Var(long[] shape, Action<Rng, float[]>? sample = null) => new(shape, sample ?? Sampling.Gaussian, true);
    public static CaseInput Const(long[] shape, Action<Rng, float[]> sample) => new(shape, sample, false);
    public static CaseInput Int64(params long[] values) => new([values.Length], null, false, values);
    public static CaseInput Int64Shaped(long[] shape, long[] values) => new(shape, null, false, values);
    public static CaseInput Int32s(params long[] values) => new([values.Length], null, false, values, Int32: true);
    public static CaseInput None { get; } = new([], null, false);
}

/// <summary>
/// One row of the gradient check table: a single node, how to sample its inputs, the finite-difference step and
/// the relative tolerance of ⟨u, VJP(v)⟩ against ⟨(f(x+hu) − f(x−hu))/2h, v⟩. <paramref name="Seeded"/> lists the
/// node outputs the graph uses (each gets its own v; default: the first), <paramref name="Outputs"/> how many it has;
/// <paramref name="Extrapolate"/> takes the finite difference by Richardson extrapolation from steps h and h/2.
/// </summary>
public sealed record GradientCase(string Name, string OpType, AttributeProto[] Attributes, CaseInput[] Inputs,
    int Outputs = 1, double Step = 1e-2, double Tolerance = 1e-3, int[]? Seeded = null, bool Extrapolate = false)
{
    /// <summary>The indices of the outputs the case's graph declares.</summary>
    public int[] SeededOutputs => Seeded ?? [0];

    public override string ToString() => Name;
}

/// <summary>Input samplers: each keeps values where the op is smooth for steps up to 0.01·|u|, |u| ≤ 1.</summary>
public static class Sampling
{
    public static void Gaussian(Rng rng, float[] x) => rng.FillGaussian(x);

    /// <summary>Uniform in [0.5, 2]: denominators, variances.</summary>
    public static void Positive(Rng rng, float[] x) => rng.FillUniform(x, 0.5, 2);

    /// <summary>Uniform in [−1.5, 1.5] but at least 0.05 from each of <paramref name="kinks"/>.</summary>
    public static Action<Rng, float[]> AwayFrom(params float[] kinks) => (rng, x) =>
    {
        for (var i = 0; i < x.Length; i++)
        {
            double v;
            do v = rng.Uniform(-1.5, 1.5); while (kinks.Any(k => Math.Abs(v - k) < 0.05));
            x[i] = (float)v;
        }
    };

    /// <summary>A shuffled ladder of distinct values 0.05 apart: no ties for max pooling, and no swaps in order for
    /// steps below 0.025.</summary>
    public static void Distinct(Rng rng, float[] x)
    {
        for (var i = 0; i < x.Length; i++) x[i] = 0.05f * (i - x.Length / 2);
        for (var i = x.Length - 1; i > 0; i--)
        {
            var j = rng.NextInt(i + 1);
            (x[i], x[j]) = (x[j], x[i]);
        }
    }
}
