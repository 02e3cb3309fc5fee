using NasiOnnx.Engine.Ntk;

namespace NasiOnnx.Models.Api;

/// <summary>
/// What <c>nasi ntk</c> reports for one model: the trace estimate, the Gram spectra when asked for, and the exact
/// trace (and spectrum) from the gradient graphs for small batches.
/// </summary>
public sealed record NtkReport(
    string Model,
    long Parameters,
    int Batch,
    int Outputs,
    string Data,
    NtkTrace Trace,
    NtkSpectrum? Spectrum,
    NtkSpectrum? PerSampleSpectrum,
    double? ExactTrace,
    NtkSpectrum? ExactSpectrum,
    double? ExactSeconds);
