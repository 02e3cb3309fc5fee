namespace NasiOnnx.Models.Api;

/// <summary>The NTK trace estimate with its standard error, and the exact trace when it was asked for.</summary>
public sealed record NtkSummary(double Trace, double StandardError, int Probes, bool Converged, double Seconds, double? ExactTrace = null);
