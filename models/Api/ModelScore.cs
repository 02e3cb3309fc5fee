namespace NasiOnnx.Models.Api;

/// <summary>
/// Every number computed for one model, as <c>nasi score --json</c> prints it: the model, its parameter count and
/// input, the data, each requested metric (null when not requested), the provider and the total time.
/// </summary>
public sealed record ModelScore(
    string Model,
    long Parameters,
    long[] InputShape,
    string Data,
    string Labels,
    ulong Seed,
    NasiSummary? Nasi,
    NtkSummary? Ntk,
    string Provider,
    double Seconds);
