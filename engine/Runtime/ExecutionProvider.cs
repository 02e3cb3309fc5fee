namespace NasiOnnx.Engine.Runtime;

/// <summary>Which ONNX Runtime execution provider to ask for.</summary>
public enum ExecutionProvider
{
    /// <summary>CUDA when the GPU build is referenced and a device works, else CPU.</summary>
    Auto,
    Cpu,
    /// <summary>CUDA or fail: for runs that must not silently fall back.</summary>
    Cuda,
}
