namespace NasiOnnx.Engine.Ntk;

/// <summary>
/// The empirical NTK Θ = J Jᵀ estimated as the mean of (J v)(J v)ᵀ over the probes: <see cref="Full"/> is
/// bn × bn (row i·n + c = sample i, logit c; null unless <see cref="NtkOptions.FullGram"/>); <see cref="PerSample"/> is b × b, Θ summed over matching logits
/// (Σ_c Θ[(i,c),(j,c)]). Each probe adds rank ≤ bn (full) or ≤ n (per sample), so fewer probes than that give
/// a singular estimate and a null condition number. <see cref="Trace"/> is the trace estimate from the same
/// probes (the trace of <see cref="Full"/>).
/// </summary>
public sealed record NtkGram(
    NtkTrace Trace,
    GramMatrix? Full,
    GramMatrix PerSample,
    NtkSpectrum? FullSpectrum,
    NtkSpectrum PerSampleSpectrum);
