namespace NasiOnnx.Engine.Search;

/// <summary>Reported after each sample: how far the search is and what it saw.</summary>
public sealed record NasiSearchProgress(int Done, int Total, NasiSample Last, TimeSpan Elapsed);
