using NasiOnnx.Engine.Data;
using NasiOnnx.Engine.Graphs;
using NasiOnnx.Engine.Metrics;
using NasiOnnx.Engine.Ranking;
using NasiOnnx.Engine.Scoring;
using NasiOnnx.Models.Nb201;
using NasiOnnx.Tests.Api;

namespace NasiOnnx.Tests.Scoring;

public class MetricTableTests
{
    /// <summary>
    /// S through the metric table, with every other metric asked for too, is the scorer's own S to the last bit, and
    /// the value this configuration gave before the table existed (main at c1197af: <c>nasi score --arch default -C 4
    /// -N 1 --input-size 8 --batch 4 --seed 3 --threads 1</c>) to float32 precision.
    /// </summary>
    [Test]
    public void NasisScoreThroughTheTableIsBitIdenticalToTheScorersAndMatchesBefore()
    {
        var model = Nb201Network.Build(Nb201Presets.SampleBestCifar10, TinyApi.Nb201);
        var options = TinyApi.Scoring with { Metrics = Metric.ParseList("all") };
        using var scorer = new ModelScorer(options);
        var row = scorer.Score(new Candidate("default", () => model), CancellationToken.None);

        var prepared = scorer.Prepare(model, "default");
        var signature = ModelSignature.Of(prepared, options.BatchSize!.Value);
        var batch = scorer.OpenData(signature).Draw(options.BatchSize!.Value);
        using var direct = NasiScorer.Create(prepared, signature.InputShape, options.Runtime);
        var s = direct.Score(batch);

        Assert.That(row.Metric("nasi"), Is.EqualTo(s.Score), "same bits as NasiScorer");
        Assert.That(row.Metric("loss"), Is.EqualTo(s.Loss));
        // Before the table, with the standard gradient ops; the fused CPU kernels since sum in another order.
        Assert.That(row.Metric("nasi"), Is.EqualTo(68.96541711371617).Within(1e-4).Percent, "the value before the table");
    }

    [Test]
    public void EveryEntryNamesItsColumnsAndPassesAndAllExcludesOnlyTheObjective()
    {
        foreach (var e in MetricTable.Entries)
        {
            Assert.That(e.Columns, Is.Not.Empty, e.Name);
            Assert.That(e.Columns[0], Does.StartWith(e.Name.Split('_')[0]), $"{e.Name}: the first column carries the metric's name");
            Assert.That(e.Needs, Is.Not.Empty, e.Name);
            Assert.That(e.Definition, Is.Not.Empty, e.Name);
        }
        var all = Metric.ParseList("all").Select(m => m.Name).ToList();
        Assert.That(all, Does.Not.Contain("objective"));
        Assert.That(Metric.ParseList("all", objectivePossible: true).Select(m => m.Name), Does.Contain("objective"));
        Assert.That(MetricTable.Columns(Metric.ParseList("all")), Is.Unique);
        var bad = Assert.Throws<Engine.NasiException>(() => Metric.Parse("nope"))!;
        Assert.That(bad.Message, Does.Contain("'nope'").And.Contain("grad_norm"));
    }

    /// <summary>Each metric asked for alone gets the passes it declares and nothing else: a missing declaration
    /// would surface here as "was not run".</summary>
    [Test]
    public void EachMetricAloneComputesFromThePassesItDeclares()
    {
        var model = Nb201Network.Build(Nb201Cell.Parse(TinyApi.Cell), TinyApi.Nb201);
        foreach (var entry in MetricTable.Entries.Where(e => e.InAll))
        {
            using var scorer = new ModelScorer(TinyApi.Scoring with { Metrics = [Metric.Parse(entry.Name)] });
            var row = scorer.Score(new Candidate("tiny", () => model), CancellationToken.None);
            Assert.That(row.Status, Is.EqualTo(ScoreRow.Ok), entry.Name);
            foreach (var c in entry.Columns) Assert.That(double.IsFinite(row.Metric(c)), Is.True, $"{entry.Name}: {c} = {row.Metric(c)}");
        }
    }
}
