using NasiOnnx.Engine.Graphs;
using NasiOnnx.Engine.Init;

namespace NasiOnnx.Models.Nb201;

/// <summary>Size, input, BatchNorm mode and initialization of a NAS-Bench-201 network; defaults are the CIFAR-10 network.</summary>
public sealed record Nb201NetworkOptions
{
    /// <summary>Channels of the first stage; the later stages have 2C and 4C.</summary>
    public int C { get; init; } = 16;

    /// <summary>Cells per stage.</summary>
    public int N { get; init; } = 5;

    public int Classes { get; init; } = 10;

    /// <summary>Input height and width (32 for CIFAR, 16 for ImageNet16-120); a multiple of 4, so both reductions halve it exactly.</summary>
    public int InputSize { get; init; } = 32;

    public int InputChannels { get; init; } = 3;

    public BatchNormMode BatchNorm { get; init; } = BatchNormMode.Training;

    public WeightInit Init { get; init; } = WeightInit.PyTorch;

    public ulong Seed { get; init; }

    /// <summary>A fixed batch size, or null for the symbolic dimension "batch".</summary>
    public long? Batch { get; init; }

    public static Nb201NetworkOptions Default { get; } = new();
}
