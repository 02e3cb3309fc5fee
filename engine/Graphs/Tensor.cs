namespace NasiOnnx.Engine.Graphs;

/// <summary>A dense float32 tensor on the host: row-major data and its shape.</summary>
public sealed record Tensor(float[] Data, long[] Shape)
{
    public static Tensor Zeros(params long[] shape) => new(new float[Count(shape)], shape);

    public long Length => Data.LongLength;

    public static long Count(IReadOnlyList<long> shape)
    {
        long n = 1;
        foreach (var d in shape) n *= d;
        return n;
    }

    public override string ToString() => $"Tensor[{string.Join("x", Shape)}]";
}
