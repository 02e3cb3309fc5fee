namespace NasiOnnx.Engine.Ntk;

/// <summary>
/// An estimate of the NTK trace T = Σ_x ‖∂f(x)/∂θ‖²_F = E_v ‖J v‖² as the mean of ‖J v‖² over
/// <see cref="Probes"/> random directions, with the standard error of that mean. <see cref="Converged"/> is false
/// when adaptive mode hit MaxProbes before reaching the requested relative error (always true for a fixed probe
/// count); <see cref="Step"/> is ‖h v‖ of the finite differences and <see cref="Scheme"/> their kind.
/// </summary>
public sealed record NtkTrace(
    double Trace,
    double StandardError,
    int Probes,
    bool Converged,
    double Seconds,
    string Provider,
    int Workers,
    int BatchSize,
    int Outputs,
    long Parameters,
    ProbeKind ProbeKind,
    ulong Seed,
    double Step,
    DifferenceScheme Scheme);
