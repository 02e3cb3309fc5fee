using NasiOnnx.Engine.Graphs;

namespace NasiOnnx.Engine.Data;

/// <summary>One batch: inputs (NCHW float32) and one class label per sample.</summary>
public sealed record Batch(Tensor Inputs, long[] Labels)
{
    public int Size => (int)Inputs.Shape[0];
}
