namespace NasiOnnx.Models.Nb201;

/// <summary>
/// How the NAS-Bench-201 search supernet builds its cells, beyond the macro skeleton of <see cref="Nb201NetworkOptions"/>.
/// The defaults are the cells of the evaluation network with every op mixed in; the other settings are the
/// conventions of NAS-Bench-201's and DARTS's own search code, kept selectable so their effect on the search can be
/// measured (README, "The NASI search").
/// </summary>
public sealed record Nb201SupernetOptions
{
    /// <summary>False: every BN inside the cells has no affine scale and bias (NAS-Bench-201's search cells).</summary>
    public bool AffineCells { get; init; } = true;

    /// <summary>A non-affine BN after avg_pool_3x3 (DARTS's MixedOp convention).</summary>
    public bool PoolBatchNorm { get; init; }

    /// <summary>A non-affine BN after skip_connect too, so every op's output has unit scale.</summary>
    public bool SkipBatchNorm { get; init; }

    public static Nb201SupernetOptions Default { get; } = new();
}
