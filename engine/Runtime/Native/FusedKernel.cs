namespace NasiOnnx.Engine.Runtime.Native;

/// <summary>One node's instance of a custom operator: made when ONNX Runtime creates the session's kernels (with the
/// node's attributes), then called once per run.</summary>
internal abstract class FusedKernel
{
    public abstract void Compute(KernelContext context);
}
