namespace NasiOnnx.Engine.Runtime;

/// <summary>How sessions are made: provider and thread counts (0 = ONNX Runtime's default).</summary>
public sealed record RuntimeOptions
{
    public ExecutionProvider Provider { get; init; } = ExecutionProvider.Auto;
    public int IntraOpThreads { get; init; }
    public int InterOpThreads { get; init; }

    public static RuntimeOptions Default { get; } = new();
}
