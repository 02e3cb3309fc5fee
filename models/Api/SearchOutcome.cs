using NasiOnnx.Engine.Search;

namespace NasiOnnx.Models.Api;

/// <summary>
/// What a NASI search found, as <c>nasi search --json</c> prints it: the architecture (cell string or genotype), the
/// settings that produced it, α*, and the trajectory of S and R.
/// </summary>
public sealed record SearchOutcome(
    string Space,
    NasiVariant Variant,
    string Architecture,
    int Samples,
    ulong Seed,
    double Mu,
    double Nu,
    double FinalNu,
    double MeanScore,
    double MeanObjective,
    IReadOnlyDictionary<string, double[]> Alpha,
    IReadOnlyList<double> Scores,
    double BuildSeconds,
    double SearchSeconds,
    double SecondsPerSample,
    string Provider);
