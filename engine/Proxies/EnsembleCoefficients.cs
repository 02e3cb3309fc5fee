namespace NasiOnnx.Engine.Proxies;

/// <summary>
/// The frozen <c>ensemble</c> metric: fitted on ../shared/nb201/dev_sample_1000.csv alone, never on the other cells.
/// Not fitted yet: <c>nasi fit-ensemble</c> writes this file.
/// </summary>
public static class EnsembleCoefficients
{
    public const string Fit = "not fitted";

    public static EnsembleModel Model { get; } = new([], Fit);
}
