namespace NasiOnnx.Models.Api;

/// <summary>NASI's numbers for one batch: S = ‖∇θ mean CE‖², its square root, the loss, and the timings.</summary>
public sealed record NasiSummary(double Score, double GradientNorm, double Loss, double BuildSeconds, double RunSeconds);
