using NasiOnnx.Engine;
using NasiOnnx.Engine.Ranking;

namespace NasiOnnx.Tests.Ranking;

public class ResultLogTests
{
    private string _dir = "";

    [SetUp] public void SetUp() => _dir = Directory.CreateTempSubdirectory("nasi-log").FullName;
    [TearDown] public void TearDown() => Directory.Delete(_dir, true);

    private static ScoreRow Row(string id, double s) =>
        new() { Id = id, Metrics = new Dictionary<string, double> { ["nasi"] = s, ["ntk"] = double.NaN }, Parameters = 42, InputShape = "1x3x8x8", Provider = "CPU", Seconds = 0.5 };

    [TestCase("scores.csv")]
    [TestCase("scores.jsonl")]
    public void RowsSurviveReopeningAndATornTailIsCutOff(string name)
    {
        var path = Path.Combine(_dir, name);
        using (var log = ResultLog.Open(path, ["nasi", "ntk"]))
        {
            log.Append(Row("|a,b|", 1.25));
            log.Append(ScoreRow.Failed("bad.onnx", "bad.onnx: not an ONNX model\n(second line)"));
        }
        File.AppendAllText(path, "half a row wit"); // a process killed mid-write

        using var reopened = ResultLog.Open(path, ["nasi", "ntk"]);
        Assert.That(reopened.Rows.Select(r => r.Id), Is.EqualTo(new[] { "|a,b|", "bad.onnx" }));
        Assert.That(reopened.Rows[0].Metric("nasi"), Is.EqualTo(1.25));
        Assert.That(reopened.Rows[0].Metric("ntk"), Is.NaN);
        Assert.That(reopened.Rows[0].Parameters, Is.EqualTo(42));
        Assert.That(reopened.Rows[1].Status, Is.EqualTo("error: bad.onnx: not an ONNX model (second line)"));
        Assert.That(File.ReadAllText(path), Does.Not.Contain("half a row"));
        reopened.Append(Row("c", 3));
        Assert.That(File.ReadAllText(path), Does.EndWith("\n"));
    }

    [TestCase("scores.csv")]
    [TestCase("scores.jsonl")]
    public void DropErrorRowsRewritesTheFileWithTheOtherRowsAsTheyWere(string name)
    {
        var path = Path.Combine(_dir, name);
        using (var log = ResultLog.Open(path, ["nasi", "ntk"], scoredAs: true))
        {
            log.Append(Row("a", 1.25) with { ScoredAs = "a" });
            log.Append(ScoreRow.Failed("b", "b: out of memory") with { ScoredAs = "b" });
            log.Append(Row("c", 3) with { ScoredAs = "a" });
        }
        Assert.That(ResultLog.DropErrorRows(path), Is.EqualTo(1));
        Assert.That(ResultLog.DropErrorRows(path), Is.EqualTo(0), "nothing left to drop");
        Assert.That(ResultLog.DropErrorRows(Path.Combine(_dir, "missing.csv")), Is.EqualTo(0));
        Assert.That(Directory.GetFiles(_dir), Has.Length.EqualTo(1), "no temporary file left behind");

        using var reopened = ResultLog.Open(path, ["nasi", "ntk"], scoredAs: true);
        Assert.That(reopened.Rows.Select(r => (r.Id, r.ScoredAs, r.Metric("nasi"))), Is.EqualTo(new[] { ("a", "a", 1.25), ("c", "a", 3.0) }));
        Assert.That(reopened.Rows[0].Parameters, Is.EqualTo(42));
    }

    [Test]
    public void ACsvWrittenWithOtherMetricsIsRefused()
    {
        var path = Path.Combine(_dir, "scores.csv");
        using (ResultLog.Open(path, ["nasi"])) { }
        var ex = Assert.Throws<NasiException>(() => ResultLog.Open(path, ["nasi", "ntk"]));
        Assert.That(ex!.Message, Does.Contain(path).And.Contain("columns"));
    }
}
