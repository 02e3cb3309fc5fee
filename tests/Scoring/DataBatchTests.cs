using System.Text.Json;
using NasiOnnx.Engine.Data;
using NasiOnnx.Engine.Init;
using NasiOnnx.Tests.Tools;

namespace NasiOnnx.Tests.Scoring;

/// <summary>
/// A .npy data file decides the batch (issue 14). Before, a file of 8 samples was cycled up to the default batch of
/// 64: S survived that, but the NTK trace, a sum over samples, came out 8× too large.
/// </summary>
public class DataBatchTests
{
    private string _dir = "";
    private string _model = "";

    [SetUp]
    public void SetUp()
    {
        _dir = Directory.CreateTempSubdirectory("nasi-databatch").FullName;
        _model = ScoringTestModels.WriteNb201(_dir, Engine.Graphs.BatchNormMode.Inference)[0];
    }

    [TearDown] public void TearDown() => Directory.Delete(_dir, true);

    private string WriteSamples(string name, int count, int skip = 0)
    {
        var rng = new Rng(14);
        var all = new float[(skip + count) * 3 * 8 * 8];
        rng.FillGaussian(all);
        var path = Path.Combine(_dir, name);
        NpyFile.WriteFloat32(path, all.AsSpan(skip * 192), count, 3, 8, 8);
        return path;
    }

    private static JsonElement Json(Cli.Result r)
    {
        Assert.That(r.ExitCode, Is.EqualTo(0), r.Err);
        return JsonDocument.Parse(r.Out).RootElement;
    }

    private static double Ntk(JsonElement e) => e.GetProperty("ntk").GetProperty("trace").GetDouble();

    [Test]
    public void ANpyOfEightSamplesScoresAtBatchEightAndItsNtkTraceIsTheSumOverThoseEight()
    {
        var eight = WriteSamples("eight.npy", 8);
        var auto = Json(Cli.Run("score", _model, "--data", eight, "--metric", "nasi,ntk", "--probes", "8", "--json"));
        Assert.That(auto.GetProperty("inputShape")[0].GetInt32(), Is.EqualTo(8), "the file's 8 samples are the batch");
        // Independent check: the trace is a sum over samples, so the two halves scored on their own add up to it
        // (same probes: the same seed draws the same directions).
        var first = Json(Cli.Run("score", _model, "--data", WriteSamples("a.npy", 4), "--metric", "ntk", "--probes", "8", "--json"));
        var second = Json(Cli.Run("score", _model, "--data", WriteSamples("b.npy", 4, skip: 4), "--metric", "ntk", "--probes", "8", "--json"));
        Assert.That(Ntk(auto), Is.EqualTo(Ntk(first) + Ntk(second)).Within(1e-4 * Ntk(auto)));
    }

    [Test]
    public void ABatchLargerThanTheFileIsAnErrorNamingBothNumbers()
    {
        var r = Cli.Run("score", _model, "--data", WriteSamples("eight.npy", 8), "--batch", "64");
        Assert.That(r.ExitCode, Is.EqualTo(2));
        Assert.That(r.Err, Does.Contain("--batch 64").And.Contain("batch of 8"));
        Assert.That(r.Err.Trim().Split('\n').Where(l => !l.StartsWith("provider", StringComparison.Ordinal)).Count(), Is.EqualTo(1), "one line on stderr: " + r.Err);
    }

    [Test]
    public void ASmallerBatchTakesTheFirstSamplesAndTheRowSaysSo()
    {
        var first4 = Json(Cli.Run("score", _model, "--data", WriteSamples("eight.npy", 8), "--batch", "4", "--metric", "nasi,ntk", "--probes", "4", "--json"));
        var only4 = Json(Cli.Run("score", _model, "--data", WriteSamples("four.npy", 4), "--metric", "nasi,ntk", "--probes", "4", "--json"));
        Assert.That(first4.GetProperty("notes")[0].GetString(), Does.Contain("first 4").And.Contain("eight.npy"));
        Assert.That(only4.GetProperty("notes").GetArrayLength(), Is.EqualTo(0));
        Assert.That(first4.GetProperty("nasi").GetProperty("score").GetDouble(), Is.EqualTo(only4.GetProperty("nasi").GetProperty("score").GetDouble()));
        Assert.That(Ntk(first4), Is.EqualTo(Ntk(only4)));
    }
}
