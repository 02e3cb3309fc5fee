using Onnx;

namespace NasiOnnx.Engine.Ranking;

/// <summary>A model to score: its id in results (cell string, genotype, file path) and how to get it, lazily.</summary>
public sealed record Candidate(string Id, Func<ModelProto> Load);
