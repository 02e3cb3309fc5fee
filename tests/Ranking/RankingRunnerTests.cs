using NasiOnnx.Engine;
using NasiOnnx.Engine.Ranking;

namespace NasiOnnx.Tests.Ranking;

public class RankingRunnerTests
{
    private string _dir = "";

    [SetUp] public void SetUp() => _dir = Directory.CreateTempSubdirectory("nasi-rank").FullName;
    [TearDown] public void TearDown() => Directory.Delete(_dir, true);

    /// <summary>Scores "cN" as N; "boom" throws like a broken model would.</summary>
    private sealed class FakeScorer(List<string> seen) : ICandidateScorer
    {
        public IReadOnlyList<string> Metrics => ["score"];

        public ScoreRow Score(Candidate candidate, CancellationToken cancellationToken)
        {
            lock (seen) seen.Add(candidate.Id);
            if (candidate.Id == "boom") throw new NasiException("boom: no such op");
            return new ScoreRow { Id = candidate.Id, Metrics = new Dictionary<string, double> { ["score"] = int.Parse(candidate.Id[1..]) } };
        }

        public void Dispose() { }
    }

    private static List<Candidate> Candidates(params string[] ids) =>
        ids.Select(id => new Candidate(id, () => throw new InvalidOperationException("not loaded in this test"))).ToList();

    [Test]
    public async Task AStoppedRunResumesWithoutRescoringFinishedRows()
    {
        var path = Path.Combine(_dir, "rank.csv");
        var all = Candidates("c1", "c2", "boom", "c4", "c5", "c6");
        var seen = new List<string>();
        using (var log = ResultLog.Open(path, ["score"]))
        {
            var first = await RankingRunner.RunAsync(all, () => new FakeScorer(seen), log, new RankingOptions { Workers = 2, BudgetCount = 3 });
            Assert.That(first, Has.Count.EqualTo(3));
        }
        Assert.That(seen, Has.Count.EqualTo(3));
        seen.Clear();
        using (var log = ResultLog.Open(path, ["score"]))
        {
            var rows = await RankingRunner.RunAsync(all, () => new FakeScorer(seen), log, new RankingOptions { Workers = 2 });
            Assert.That(rows.Select(r => r.Id), Is.EquivalentTo(all.Select(c => c.Id)));
            Assert.That(rows.Single(r => r.Id == "boom").Status, Is.EqualTo("error: boom: no such op"));
            Assert.That(RankingRunner.Ranked(rows, "score").Select(r => r.Id), Is.EqualTo(new[] { "c6", "c5", "c4", "c2", "c1" }));
        }
        Assert.That(seen, Has.Count.EqualTo(3), "only the three unfinished candidates are scored again");
    }

    [Test]
    public async Task CancellationStopsTheRun()
    {
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        // NUnit 5's ThrowsAsync returns a Task: unawaited, it asserted nothing.
        await Assert.ThrowsAsync(Is.InstanceOf<OperationCanceledException>(), () =>
            RankingRunner.RunAsync(Candidates("c1", "c2"), () => new FakeScorer([]), null, new RankingOptions(), null, cts.Token));
    }

    [Test]
    public void ShardsPartitionTheInputsWhateverTheirOrder()
    {
        var ids = Enumerable.Range(0, 23).Select(i => $"m{i:D2}.onnx").ToList();
        var shuffled = ids.OrderBy(s => s.GetHashCode()).ToList();
        var parts = Enumerable.Range(1, 4).Select(k => new Shard(k, 4).Select(shuffled, s => s)).ToList();
        Assert.That(parts.SelectMany(p => p), Is.EquivalentTo(ids));
        Assert.That(parts.Select(p => p.Count), Has.All.InRange(5, 6));
        Assert.That(new Shard(2, 4).Select(ids, s => s), Is.EqualTo(parts[1]));
        Assert.That(Assert.Throws<NasiException>(() => Shard.Parse("5/4"))!.Message, Does.Contain("--shard '5/4'"));
        Assert.That(Shard.Parse("3/8"), Is.EqualTo(new Shard(3, 8)));
    }
}
