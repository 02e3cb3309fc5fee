namespace NasiOnnx.Engine.Ntk;

/// <summary>Reported after each probe, in probe order: the running trace estimate and its standard error.</summary>
public sealed record NtkProgress(int Probes, double Estimate, double StandardError);
