namespace NasiOnnx.Tests.Tools;

public class FitEnsembleCommandTests
{
    /// <summary>
    /// The frozen ensemble is exactly what <c>nasi fit-ensemble</c> gives on the committed dev-cell scores and the dev
    /// sample's truth: members, weights, directions and every quantile (the code is regenerated, not hand-edited).
    /// </summary>
    [Test]
    public void TheFrozenEnsembleIsWhatTheFitGivesOnTheCommittedDevScores()
    {
        var truth = Nb201Tables.Require("dev_sample_1000.csv");
        var scores = Path.Combine(RepoPaths.Root, "docs", "data", "nb201_dev_proxies.csv");
        var r = Cli.Run("fit-ensemble", "--scores", scores, "--truth", truth);
        Assert.That(r.ExitCode, Is.EqualTo(0), r.Err);
        var frozen = File.ReadAllText(Path.Combine(RepoPaths.Root, "engine", "Proxies", "EnsembleCoefficients.cs"));
        Assert.That(Body(r.Out), Is.EqualTo(Body(frozen)));
        Assert.That(Body(frozen), Does.Contain("new(\"meco\""), "a fitted model, not the empty one");

        static string Body(string source) => source[source.IndexOf("public static class EnsembleCoefficients", StringComparison.Ordinal)..].Trim();
    }
}
