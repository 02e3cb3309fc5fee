namespace NasiOnnx.Models.Studies;

/// <summary>
/// One search of a study: its budget T and seed, the architecture it chose, its cost, and (when a truth table was
/// given) the architecture's trained accuracies, looked up after the search had ended. NaN where unknown.
/// </summary>
public sealed record StudyRun(
    int Samples,
    ulong Seed,
    string Architecture,
    double Seconds,
    double MeanScore,
    double Nu,
    double Cifar10 = double.NaN,
    double Cifar100 = double.NaN,
    double ImageNet16 = double.NaN)
{
    /// <summary>The study's key: one run per (T, seed).</summary>
    public string Key => $"T={Samples}/seed={Seed}";
}
