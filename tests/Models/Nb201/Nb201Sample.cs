using System.Globalization;

namespace NasiOnnx.Tests.Models.Nb201;

/// <summary>One row of <c>shared/nb201/dev_sample_1000.csv</c> (the columns tests use).</summary>
public sealed record Nb201SampleRow(int Index, string ArchStr, long Parameters, double Cifar10Test, double Cifar100Test, double ImageNet16Test);

/// <summary>Reads the shared 1,000-cell sample once per test run.</summary>
public static class Nb201Sample
{
    public const string File = "dev_sample_1000.csv";

    private static readonly Lazy<IReadOnlyList<Nb201SampleRow>> Cached = new(() => Load(Nb201Tables.Require(File)));

    /// <summary>The rows; skips the calling test where the table is absent (see <see cref="Nb201Tables"/>).</summary>
    public static IReadOnlyList<Nb201SampleRow> Rows
    {
        get
        {
            Nb201Tables.Require(File);
            return Cached.Value;
        }
    }

    private static IReadOnlyList<Nb201SampleRow> Load(string path)
    {
        var lines = System.IO.File.ReadAllLines(path);
        Assert.That(lines[0], Does.StartWith("index,arch_str,params_m,cifar10_test,cifar100_test,imagenet16_120_test,"), "unexpected CSV header");
        return lines.Skip(1).Where(l => l.Length > 0).Select(line =>
        {
            // arch_str holds no commas, so a plain split is exact.
            var f = line.Split(',');
            // params_m carries all six decimals: the exact count in millions.
            var parameters = (long)Math.Round(double.Parse(f[2], CultureInfo.InvariantCulture) * 1e6);
            return new Nb201SampleRow(int.Parse(f[0], CultureInfo.InvariantCulture), f[1], parameters,
                double.Parse(f[3], CultureInfo.InvariantCulture), double.Parse(f[4], CultureInfo.InvariantCulture),
                double.Parse(f[5], CultureInfo.InvariantCulture));
        }).ToList();
    }
}
