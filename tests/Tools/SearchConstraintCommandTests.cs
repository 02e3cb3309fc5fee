using System.Text.Json;

namespace NasiOnnx.Tests.Tools;

public class SearchConstraintCommandTests
{
    private static readonly string[] Tiny = ["-C", "4", "-N", "1", "--batch", "4", "--calibration", "2", "--threads", "1"];

    [Test]
    public void ABadConstraintIsOneLineNamingItsTextAndExitCode2()
    {
        var r = Cli.Run(["search", "--constraint", "params<lots", "-T", "2", .. Tiny]);
        Assert.That(r.ExitCode, Is.EqualTo(2));
        Assert.That(r.Err, Does.Contain("constraint 'params<lots'"));
        Assert.That(r.Err, Does.Not.Contain("   at "), "no stack trace");
    }

    [Test]
    public void AnInfeasibleBudgetIsRefusedNamingTheSmallestCost()
    {
        var r = Cli.Run(["search", "--constraint", "params<=100", "-T", "2", .. Tiny]);
        Assert.That(r.ExitCode, Is.EqualTo(2));
        Assert.That(r.Err, Does.Contain("the smallest params in the space is 73306"));
    }

    [Test]
    public void AConstrainedMetricSearchPrintsItsMethodBudgetAndCost()
    {
        var r = Cli.Run(["search", "--objective", "params", "--constraint", "params<=200000", "--constraint", "flops<=3e7", "-T", "6", "--json", .. Tiny]);
        Assert.That(r.ExitCode, Is.EqualTo(0), r.Err);
        var summary = JsonDocument.Parse(r.Out).RootElement.GetProperty("summary");
        Assert.That(summary.GetProperty("constraints").GetString(), Is.EqualTo("params<=200000 and flops<=30000000"));
        Assert.That(summary.GetProperty("cost").GetProperty("params").GetInt64(), Is.LessThanOrEqualTo(200_000));
        Assert.That(summary.GetProperty("cost").GetProperty("flops").GetInt64(), Is.LessThanOrEqualTo(30_000_000));
        Assert.That(summary.GetProperty("method").GetString(), Does.Contain("regularized-evolution"));
    }
}
