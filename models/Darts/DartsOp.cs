namespace NasiOnnx.Models.Darts;

/// <summary>
/// The eight operations of the DARTS space. Declared in the order of DARTS's <c>PRIMITIVES</c> list
/// (<c>cnn/genotypes.py</c>), so that a column of the architecture weights [edges, ops] means the same op here as in
/// DARTS's <c>alphas_normal</c> and published weights load unchanged. Published names live in <see cref="DartsOpNames"/>.
/// </summary>
public enum DartsOp
{
    /// <summary><c>none</c>: the edge contributes zero (only in the supernet; never in a genotype).</summary>
    None,

    /// <summary><c>max_pool_3x3</c>: MaxPool 3×3, pad 1.</summary>
    MaxPool3x3,

    /// <summary><c>avg_pool_3x3</c>: AveragePool 3×3, pad 1, padding excluded from the mean.</summary>
    AvgPool3x3,

    /// <summary><c>skip_connect</c>: identity, or FactorizedReduce on a stride-2 edge.</summary>
    SkipConnect,

    /// <summary><c>sep_conv_3x3</c>: twice [ReLU → depthwise 3×3 → Conv 1×1 → BN].</summary>
    SepConv3x3,

    /// <summary><c>sep_conv_5x5</c>: twice [ReLU → depthwise 5×5 → Conv 1×1 → BN].</summary>
    SepConv5x5,

    /// <summary><c>dil_conv_3x3</c>: ReLU → depthwise 3×3, dilation 2 → Conv 1×1 → BN.</summary>
    DilConv3x3,

    /// <summary><c>dil_conv_5x5</c>: ReLU → depthwise 5×5, dilation 2 → Conv 1×1 → BN.</summary>
    DilConv5x5,
}
