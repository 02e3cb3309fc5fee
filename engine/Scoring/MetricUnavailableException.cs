namespace NasiOnnx.Engine.Scoring;

/// <summary>
/// A metric that this model cannot have: it lacks what the metric reads (no ReLU for NASWOT, no global pooling for
/// Zen-NAS, a pass that failed). The message is the reason its row gives; the other metrics still come out.
/// </summary>
public sealed class MetricUnavailableException(string message) : NasiException(message);
