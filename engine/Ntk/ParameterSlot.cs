namespace NasiOnnx.Engine.Ntk;

/// <summary>One parameter tensor and where its values sit in the flat parameter vector θ.</summary>
public sealed record ParameterSlot(string Name, long[] Dims, int Offset, int Length);
