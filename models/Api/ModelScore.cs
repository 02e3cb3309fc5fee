namespace NasiOnnx.Models.Api;

/// <summary>NASI's numbers for one batch: S = ‖∇θ mean CE‖², its square root, the loss, and the timings.</summary>
public sealed record NasiSummary(double Score, double GradientNorm, double Loss, double BuildSeconds, double RunSeconds);

/// <summary>The NTK trace estimate with its standard error, and the exact trace when it was asked for.</summary>
public sealed record NtkSummary(double Trace, double StandardError, int Probes, bool Converged, double Seconds, double? ExactTrace = null);

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
