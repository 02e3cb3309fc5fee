using NasiOnnx.Engine.Graphs;
using NasiOnnx.Engine.Init;

namespace NasiOnnx.Models.Darts;

/// <summary>
/// Size, input, BatchNorm mode and initialization of the DARTS search supernet. The default size is DARTS's own search
/// network (C = 16, 8 cells) at CIFAR input; see <see cref="DartsSupernet"/> for the measured cost of the sizes.
/// </summary>
public sealed record DartsSupernetOptions
{
    /// <summary>Channels per intermediate node in the first cells; doubled at each reduction cell.</summary>
    public int C { get; init; } = 16;

    /// <summary>Cells; reduction cells sit at Layers/3 and 2·Layers/3.</summary>
    public int Layers { get; init; } = 8;

    public int Classes { get; init; } = 10;

    public int InputSize { get; init; } = 32;

    public int InputChannels { get; init; } = 3;

    /// <summary>
    /// False (default) is DARTS's <c>model_search.py</c>: every BN inside the cells (ops and preprocessing) has no
    /// affine parameters; true gives those BNs a trainable scale and bias. The stem BN is affine either way, and the
    /// BN after each pooling op never is.
    /// </summary>
    public bool AffineCells { get; init; }

    public BatchNormMode BatchNorm { get; init; } = BatchNormMode.Training;

    public WeightInit Init { get; init; } = WeightInit.PyTorch;

    public ulong Seed { get; init; }

    /// <summary>A fixed batch size, or null for the symbolic dimension "batch".</summary>
    public long? Batch { get; init; }

    public static DartsSupernetOptions Default { get; } = new();
}
