namespace NasiOnnx.Engine.Ranking;

/// <summary>An id whose row copies another candidate's metrics (<see cref="Candidate.Members"/>).</summary>
/// <param name="Id">Its id in results.</param>
/// <param name="Parameters">Its own parameter count, or null for the scored candidate's.</param>
public sealed record CandidateMember(string Id, long? Parameters = null);
