namespace NasiOnnx.Engine.Search;

/// <summary>The settings of <see cref="RegularizedEvolution"/>: its evaluation budget, population, tournament and seed.</summary>
public sealed record EvolutionOptions
{
    /// <summary>Children to score (each a new feasible architecture).</summary>
    public int Evaluations { get; init; } = 50;

    /// <summary>Population size P (Real et al. use 100 over 20,000 cycles; a proxy search has ~50 cycles, so fewer).</summary>
    public int Population { get; init; } = 10;

    /// <summary>Tournament size S.</summary>
    public int Tournament { get; init; } = 3;

    public ulong Seed { get; init; }

    public void Validate()
    {
        if (Evaluations < 0) throw new NasiException($"evolution evaluations must be ≥ 0 (got {Evaluations})");
        if (Population < 1) throw new NasiException($"evolution population must be at least 1 (got {Population})");
        if (Tournament < 1) throw new NasiException($"evolution tournament must be at least 1 (got {Tournament})");
    }
}
