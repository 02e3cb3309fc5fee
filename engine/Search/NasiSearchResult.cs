namespace NasiOnnx.Engine.Search;

/// <summary>
/// The outcome of a search: α* = α₀ + Δ* per architecture input (row-major [edges, ops]) and every sample, so a
/// caller can derive the architecture with its space's rule and see the trajectory.
/// </summary>
public sealed record NasiSearchResult(
    IReadOnlyDictionary<string, double[]> Alpha,
    IReadOnlyList<NasiSample> Samples,
    double InitialNu,
    double Seconds,
    double SecondsPerSample,
    string Provider);
