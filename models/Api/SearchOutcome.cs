using NasiOnnx.Engine.Costs;
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
    string Provider)
{
    /// <summary>How the architecture was chosen, with what is NASI's Algorithm 1 and what goes beyond it.</summary>
    public string Method { get; init; } = "";

    /// <summary>The constraints it had to meet (<see cref="CostBudget.ToString"/>), "none" without a budget.</summary>
    public string Constraints { get; init; } = "none";

    /// <summary>The chosen architecture's costs (constrained searches; latency where a constraint limits it).</summary>
    public ArchitectureCost? Cost { get; init; }

    /// <summary>Architectures scored by the metric objective (sampled and evolved, each once); 0 for NASI's objective.</summary>
    public int Evaluated { get; init; }
}
