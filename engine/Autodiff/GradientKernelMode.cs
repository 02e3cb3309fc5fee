namespace NasiOnnx.Engine.Autodiff;

/// <summary>Which ops the gradient rules emit.</summary>
public enum GradientKernelMode
{
    /// <summary>Standard ai.onnx ops only: runs on any provider, and the result can be differentiated again.</summary>
    Standard,

    /// <summary>Fused CPU kernels of <see cref="Kernels.GradientKernels"/> where a rule has one (BatchNorm and ReLU
    /// backward): fewer passes over memory and far fewer nodes. CPU sessions only.</summary>
    Fused,
}
