using NasiOnnx.Engine.Graphs;
using NasiOnnx.Engine.Init;

namespace NasiOnnx.Models.Darts;

/// <summary>
/// Size, input, BatchNorm mode and initialization of the DARTS search supernet. The default size, C = 8 with 5 cells at
/// CIFAR input, is the largest measured whose gradient pass at batch 64 fits this project's CPU machine; DARTS searched at
/// C = 16 with 8 cells (see <see cref="DartsSupernet"/> for the measurements).
/// </summary>
public sealed record DartsSupernetOptions
{
    /// <summary>Channels per intermediate node in the first cells; doubled at each reduction cell.</summary>
    public int C { get; init; } = 8;

    /// <summary>Cells; reduction cells sit at Layers/3 and 2·Layers/3.</summary>
    public int Layers { get; init; } = 5;

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

    /// <summary>DARTS's search network: C = 16, 8 cells (1,930,618 parameters; about 15 GB for a gradient pass at batch 64).</summary>
    public static DartsSupernetOptions DartsSearch { get; } = new() { C = 16, Layers = 8 };
}
