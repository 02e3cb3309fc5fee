namespace NasiOnnx.Models.Studies;

/// <summary>Mean and standard deviation (population, ddof 0, as NumPy's default and NAS-Bench-201 papers report).</summary>
public readonly record struct MeanStd(double Mean, double Std)
{
    public static MeanStd Of(IEnumerable<double> values)
    {
        var v = values.Where(double.IsFinite).ToList();
        if (v.Count == 0) return new MeanStd(double.NaN, double.NaN);
        var mean = v.Average();
        return new MeanStd(mean, Math.Sqrt(v.Sum(x => (x - mean) * (x - mean)) / v.Count));
    }

    public override string ToString() => double.IsNaN(Mean) ? "–" : $"{Mean:F2} ± {Std:F2}";
}

/// <summary>One budget T of a study: how many seeds ran, the accuracies of the chosen cells, search time, the cells.</summary>
public sealed record StudySummary(
    int Samples,
    int Runs,
    MeanStd Cifar10,
    MeanStd Cifar100,
    MeanStd ImageNet16,
    double MeanSeconds,
    IReadOnlyList<string> Architectures)
{
    /// <summary>One row per budget, in the order the budgets were asked for.</summary>
    public static IReadOnlyList<StudySummary> Of(IReadOnlyList<StudyRun> runs, IReadOnlyList<int> budgets) =>
        budgets.Select(t =>
        {
            var mine = runs.Where(r => r.Samples == t).OrderBy(r => r.Seed).ToList();
            return new StudySummary(t, mine.Count, MeanStd.Of(mine.Select(r => r.Cifar10)), MeanStd.Of(mine.Select(r => r.Cifar100)),
                MeanStd.Of(mine.Select(r => r.ImageNet16)), mine.Count == 0 ? double.NaN : mine.Average(r => r.Seconds),
                mine.Select(r => r.Architecture).ToList());
        }).ToList();
}
