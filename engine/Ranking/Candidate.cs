using Onnx;

namespace NasiOnnx.Engine.Ranking;

/// <summary>A model to score: its id in results (cell string, genotype, file path) and how to get it, lazily.</summary>
public sealed record Candidate(string Id, Func<ModelProto> Load)
{
    /// <summary>
    /// Further ids that compute the same function (isomorphic cells): scored once as this candidate, each gets a
    /// row of its own with this candidate's metrics and <see cref="ScoreRow.ScoredAs"/> naming it.
    /// </summary>
    public IReadOnlyList<CandidateMember> Members { get; init; } = [];
}
