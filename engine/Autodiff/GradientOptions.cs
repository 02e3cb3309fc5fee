namespace NasiOnnx.Engine.Autodiff;

/// <summary>How a gradient graph is built (<see cref="Vjp.Build(Onnx.ModelProto, IReadOnlyList{GradientSeed}, IReadOnlyDictionary{string, long[]}, IReadOnlyList{string}?, GradientOptions?)"/>,
/// <see cref="LossGradient.Build"/>).</summary>
public sealed record GradientOptions
{
    /// <summary>Standard ai.onnx ops (the default: any provider, and the graph can be differentiated again), or the
    /// fused CPU kernels where a rule has one (<see cref="Runtime.SessionFactory.GradientKernels"/> says which a
    /// session allows).</summary>
    public GradientKernelMode Kernels { get; init; } = GradientKernelMode.Standard;

    /// <summary>
    /// True when every initializer keeps its value for the model's life, so that constants derived from weights
    /// (the flipped kernels of input-gradient convolutions) are computed once here instead of by nodes that ONNX
    /// Runtime folds at every session creation. Leave false when the caller will turn weights into graph inputs
    /// and change them (the search edits θ in place).
    /// </summary>
    public bool ConstantWeights { get; init; }

    /// <summary>
    /// Forward values whose total cotangent ∂L/∂value the caller will read inside the graph (<see
    /// cref="GradientModel.Cotangents"/> names the value that holds each; one with no path to a seed is left out). They
    /// are not made graph outputs: ONNX Runtime keeps an output alive for the whole run, and a cotangent is as large as
    /// its value.
    /// </summary>
    public IReadOnlyList<string> Cotangents { get; init; } = [];

    public static GradientOptions Default { get; } = new();
}
