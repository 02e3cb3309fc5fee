using NasiOnnx.Engine.Graphs;
using NasiOnnx.Engine.Init;

namespace NasiOnnx.Models.Darts;

/// <summary>
/// Size, input, head, BatchNorm mode and initialization of a DARTS evaluation network. Defaults are the CIFAR-10
/// network of the DARTS paper (C = 36, 20 layers); <see cref="ImageNet"/> is the mobile ImageNet setting.
/// </summary>
public sealed record DartsNetworkOptions
{
    /// <summary>Channels per intermediate node in the first cells; doubled at each reduction cell.</summary>
    public int C { get; init; } = 36;

    /// <summary>Cells; reduction cells sit at Layers/3 and 2·Layers/3.</summary>
    public int Layers { get; init; } = 20;

    public int Classes { get; init; } = 10;

    /// <summary>Input height and width (32 for CIFAR, 224 for ImageNet).</summary>
    public int InputSize { get; init; } = 32;

    public int InputChannels { get; init; } = 3;

    /// <summary>Adds DARTS's auxiliary head after cell 2·Layers/3 as a second output <c>aux_logits</c>.</summary>
    public bool Auxiliary { get; init; }

    public BatchNormMode BatchNorm { get; init; } = BatchNormMode.Training;

    public WeightInit Init { get; init; } = WeightInit.PyTorch;

    public ulong Seed { get; init; }

    /// <summary>A fixed batch size, or null for the symbolic dimension "batch".</summary>
    public long? Batch { get; init; }

    /// <summary>DARTS's CIFAR-10 evaluation network: C = 36, 20 layers, 10 classes, 32×32.</summary>
    public static DartsNetworkOptions Cifar10 { get; } = new();

    /// <summary>DARTS's mobile ImageNet network: C = 48, 14 layers, 1000 classes, 224×224.</summary>
    public static DartsNetworkOptions ImageNet { get; } = new() { C = 48, Layers = 14, Classes = 1000, InputSize = 224 };
}
