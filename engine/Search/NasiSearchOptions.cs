using NasiOnnx.Engine.Costs;
using NasiOnnx.Engine.Runtime;

namespace NasiOnnx.Engine.Search;

/// <summary>The settings of NASI's Algorithm 1 (docs/NASI.md); defaults and their reasons are in the README.</summary>
public sealed record NasiSearchOptions
{
    /// <summary>T: architecture samples (one batch, one Gumbel draw, one G_t each).</summary>
    public int Samples { get; init; } = 100;

    public int BatchSize { get; init; } = 64;

    /// <summary>μ of R = S − μ·max(0, S − ν); the paper's 2 for the DARTS and NAS-Bench-201 spaces.</summary>
    public double Mu { get; init; } = 2;

    /// <summary>ν; null = calibrated: the <see cref="NuQuantile"/>-quantile of S over <see cref="CalibrationSamples"/>
    /// samples before the search.</summary>
    public double? Nu { get; init; }

    /// <summary>
    /// Which quantile of the S values seen sets ν (calibration, and NASI-ADA's running ν). The default 1 with the default
    /// NASI-ADA makes ν_t the largest S seen so far, so a sample is penalised only when it exceeds every earlier one:
    /// the setting that chose the best NAS-Bench-201 cells over ten seeds (README, "The NASI search").
    /// </summary>
    public double NuQuantile { get; init; } = 1.0;

    public NasiVariant Variant { get; init; } = NasiVariant.Ada;

    /// <summary>Gumbel-softmax temperature τ: A_t = softmax((α₀ + g_t)/τ).</summary>
    public double Tau { get; init; } = 1.0;

    /// <summary>ξ, the step size of Δ* = (ξ/T) Σ G_t / max_{s≤t} ‖G_s‖.</summary>
    public double Xi { get; init; } = 1.0;

    /// <summary>Samples drawn before the search to calibrate ν when <see cref="Nu"/> is null.</summary>
    public int CalibrationSamples { get; init; } = 8;

    /// <summary>
    /// ‖ε g‖ / ‖θ‖ of the θ ± ε g perturbation that turns first-order gradients into ∂S/∂A (a Hessian-vector
    /// product by central differences).
    /// </summary>
    public double RelativeStep { get; init; } = 1e-3;

    public ulong Seed { get; init; }

    /// <summary>The objective's name of <see cref="NasiObjective"/>: NASI's R on the supernet (Algorithm 1).</summary>
    public const string NasiObjective = "nasi";

    /// <summary>
    /// R: <c>nasi</c> (NASI's objective on the supernet, the paper) or the name of any metric, then scored on each sampled
    /// architecture and searched with <see cref="ScoreFunctionSearch"/> (beyond the paper).
    /// </summary>
    public string Objective { get; init; } = NasiObjective;

    /// <summary>
    /// Score-function objectives only (<see cref="ScoreFunctionSearch"/>): the T samples in this many rounds, α stepping by ξ·Δ*
    /// after each. 1 is Algorithm 1's single step.
    /// </summary>
    public int Rounds { get; init; } = 1;

    /// <summary>The parameters S sums over, by name (null: all of θ, NASI's definition).</summary>
    public Func<string, bool>? ScoredParameters { get; init; }

    /// <summary>
    /// The supernet mixes op outputs by √A instead of A: independent unit-variance op outputs then sum to unit variance
    /// at every A, as any one-hot choice does, instead of shrinking by Σ A² (to 1/5 at the uniform mixture).
    /// </summary>
    public bool SqrtMixing { get; init; } = true;

    public RuntimeOptions Runtime { get; init; } = RuntimeOptions.Default;

    /// <summary>
    /// The constraints the chosen architecture must meet (beyond the paper); empty = unconstrained, the paper's search.
    /// </summary>
    public CostBudget Budget { get; init; } = CostBudget.None;

    /// <summary>
    /// Metric objectives: how many of the T evaluations go to <see cref="RegularizedEvolution"/> after the sampled
    /// ones (beyond the paper). Null: half of T under a budget, none without one.
    /// </summary>
    public int? Evolution { get; init; }

    /// <summary>The evolution's share of T, as <see cref="Evolution"/> resolves it.</summary>
    public int EvolutionEvaluations => Evolution ?? (Budget.IsEmpty ? 0 : Samples / 2);

    public void Validate()
    {
        if (Samples < 1) throw new NasiException($"samples must be at least 1 (got {Samples})");
        if (BatchSize < 1) throw new NasiException($"batch must be at least 1 (got {BatchSize})");
        if (!(Mu >= 0)) throw new NasiException($"mu must be ≥ 0 (got {Mu})");
        if (Nu is { } nu && !(nu > 0)) throw new NasiException($"nu must be positive (got {nu})");
        if (!(NuQuantile > 0 && NuQuantile <= 1)) throw new NasiException($"the ν quantile must lie in (0, 1] (got {NuQuantile})");
        if (!(Tau > 0)) throw new NasiException($"tau must be positive (got {Tau})");
        if (!(Xi > 0)) throw new NasiException($"xi must be positive (got {Xi})");
        if (string.IsNullOrWhiteSpace(Objective)) throw new NasiException("the objective needs a name (nasi or a metric)");
        if (Evolution is < 0) throw new NasiException($"evolution must be ≥ 0 (got {Evolution})");
        if (EvolutionEvaluations >= Samples)
            throw new NasiException($"evolution {EvolutionEvaluations} must leave samples to start from: less than T = {Samples}");
        if (Rounds < 1) throw new NasiException($"rounds must be at least 1 (got {Rounds})");
        if (CalibrationSamples < 1) throw new NasiException($"calibration samples must be at least 1 (got {CalibrationSamples})");
        if (!(RelativeStep > 0 && RelativeStep < 1)) throw new NasiException($"relative step must lie in (0, 1) (got {RelativeStep})");
    }
}
