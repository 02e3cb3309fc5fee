namespace NasiOnnx.Engine.Data;

/// <summary>
/// Which batch size a score runs at. A data file that is one batch decides it: a .npy of n samples is scored at
/// batch n. Cycling it up to a larger batch would leave S unchanged (repeated samples change neither the mean
/// gradient nor BatchNorm's statistics) but multiply the NTK trace, a sum over samples, by the repeat count; so a
/// larger batch than the file holds is an error, and a smaller one takes the file's first samples and says so.
/// </summary>
public static class BatchSize
{
    /// <summary>The batch size when neither the caller nor the data chooses one.</summary>
    public const int Default = 64;

    /// <summary>The batch size and, when only part of the data is used, a note saying which part.</summary>
    /// <param name="asked">The batch size the caller gave (--batch), or null.</param>
    /// <param name="data">The data the batch is drawn from.</param>
    public static (int Size, string? Note) Resolve(int? asked, BatchSource data)
    {
        if (asked is < 1) throw new NasiException($"--batch must be at least 1 (got {asked})");
        if (data.WholeBatch is not { } n) return (asked ?? Default, null);
        if (asked is not { } b || b == n) return (n, null);
        if (b > n)
            throw new NasiException($"--batch {b}, but the data {data.Description} is a batch of {n}: leave --batch out to score all {n}, or give --batch {n} or less to take the first ones");
        return (b, $"data: the first {b} samples of {data.Description}");
    }
}
