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

    [TestCase("classes.csv")]
    [TestCase("classes.jsonl")]
    public async Task AClassIsScoredOnceAndEveryMemberGetsItsRowAndAKilledClassIsCompleted(string file)
    {
        var path = Path.Combine(_dir, file);
        var classes = new List<Candidate>
        {
            new("c1", () => throw new InvalidOperationException()) { Members = [new("c1"), new("x1", 7), new("y1", 9)] },
            new("c2", () => throw new InvalidOperationException()) { Members = [new("z2")] }, // its representative was not asked for
            new("boom", () => throw new InvalidOperationException()) { Members = [new("boom"), new("boom2")] },
        };
        var seen = new List<string>();
        using (var log = ResultLog.Open(path, ["score"], scoredAs: true))
        {
            var rows = await RankingRunner.RunAsync(classes, () => new FakeScorer(seen), log, new RankingOptions { Workers = 2 });
            Assert.That(rows.Select(r => r.Id), Is.EquivalentTo(new[] { "c1", "x1", "y1", "c2", "z2", "boom", "boom2" }));
        }
        Assert.That(seen, Is.EquivalentTo(new[] { "c1", "c2", "boom" }), "one score per class");
        var read = ResultLog.Read(path).Rows.ToDictionary(r => r.Id);
        Assert.That(read["x1"].Metric("score"), Is.EqualTo(1));
        Assert.That(read["x1"].ScoredAs, Is.EqualTo("c1"));
        Assert.That(read["c1"].ScoredAs, Is.EqualTo("c1"));
        Assert.That(read["y1"].Parameters, Is.EqualTo(9));
        Assert.That(read["z2"].ScoredAs, Is.EqualTo("c2"));
        Assert.That(read["boom2"].Status, Does.StartWith("error: boom"));
        Assert.That(read["y1"].Seconds, Is.Zero, "a member costs nothing of its own");

        // A run killed after the class's first row: the rerun writes the missing members and scores nothing.
        if (!ResultLog.IsJson(path))
        {
            var lines = File.ReadAllLines(path).Where(l => !l.StartsWith("x1,", StringComparison.Ordinal) && !l.StartsWith("y1,", StringComparison.Ordinal));
            File.WriteAllLines(path, lines);
            seen.Clear();
            using var log = ResultLog.Open(path, ["score"], scoredAs: true);
            var rows = await RankingRunner.RunAsync(classes, () => new FakeScorer(seen), log, new RankingOptions { Workers = 2 });
            Assert.That(seen, Is.Empty);
            Assert.That(rows.Select(r => r.Id), Is.EquivalentTo(new[] { "c1", "x1", "y1", "c2", "z2", "boom", "boom2" }));
            Assert.That(rows.Single(r => r.Id == "y1").Parameters, Is.EqualTo(9));
            log.Dispose();
            Assert.That(Assert.Throws<NasiException>(() => ResultLog.Open(path, ["score"]))!.Message, Does.Contain("scored_as"),
                "a CSV with scored_as is not resumed by a run without it");
        }
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
