namespace NasiOnnx.Models.Nb201;

/// <summary>
/// The five operations a NAS-Bench-201 edge can carry. Their published names live in one table,
/// <see cref="Nb201OpNames"/>; the declaration order is the order <see cref="Nb201Cell.All"/> enumerates.
/// </summary>
public enum Nb201Op
{
    /// <summary><c>none</c>: the edge contributes zero.</summary>
    None,

    /// <summary><c>skip_connect</c>: identity.</summary>
    SkipConnect,

    /// <summary><c>nor_conv_1x1</c>: ReLU → Conv 1×1 (no bias) → BatchNorm.</summary>
    NorConv1x1,

    /// <summary><c>nor_conv_3x3</c>: ReLU → Conv 3×3, pad 1 (no bias) → BatchNorm.</summary>
    NorConv3x3,

    /// <summary><c>avg_pool_3x3</c>: AveragePool 3×3, stride 1, pad 1, padding excluded from the mean.</summary>
    AvgPool3x3,
}
