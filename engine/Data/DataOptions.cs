using NasiOnnx.Engine.Graphs;

namespace NasiOnnx.Engine.Data;

/// <summary>Which data a metric or a search runs on: a <see cref="DataSpec"/> string, or a source of the caller's.</summary>
public sealed record DataOptions
{
    /// <summary>"gaussian", a .npy file, or cifar10:PATH / cifar100:PATH.</summary>
    public string Spec { get; init; } = DataSpec.Gaussian;

    /// <summary>Integer labels (.npy) for a .npy <see cref="Spec"/>.</summary>
    public string? LabelFile { get; init; }

    /// <summary>Null: true labels where the data has them, else random.</summary>
    public LabelMode? Labels { get; init; }

    /// <summary>A batch source of the caller's (a tensor, a custom loader); overrides <see cref="Spec"/>.</summary>
    public BatchSource? Source { get; init; }

    public static DataOptions Gaussian { get; } = new();

    /// <summary>Spatially correlated Gaussian images (<see cref="SmoothGaussianSource"/>): the search's default data.</summary>
    public static DataOptions Smooth { get; } = new() { Spec = DataSpec.Smooth };

    /// <summary>The batch source for a model of this signature; <paramref name="seed"/> seeds Gaussian inputs and random labels.</summary>
    public BatchSource Open(ModelSignature signature, ulong seed)
    {
        if (Source is not { } source)
            return DataSpec.Open(Spec, signature.SampleShape, signature.Classes, Labels, LabelFile, seed);
        if (!source.SampleShape.SequenceEqual(signature.SampleShape) || source.Classes != signature.Classes)
            throw new NasiException($"the data ({source.Description}: samples [{string.Join(",", source.SampleShape)}], {source.Classes} classes) do not fit the model (input [{string.Join(",", signature.SampleShape)}], {signature.Classes} classes)");
        return source;
    }
}
