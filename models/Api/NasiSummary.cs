namespace NasiOnnx.Models.Api;

/// <summary>
/// NASI's numbers for one batch: S = ‖∇θ mean CE‖², its square root, the loss, the timings, and the objective
/// R = S − μ·max(0, S − ν) when ν was given.
/// </summary>
public sealed record NasiSummary(double Score, double GradientNorm, double Loss, double BuildSeconds, double RunSeconds, double? Objective = null);
