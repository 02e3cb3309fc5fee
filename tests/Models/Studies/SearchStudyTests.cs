using NasiOnnx.Engine;
using NasiOnnx.Engine.Runtime;
using NasiOnnx.Engine.Search;
using NasiOnnx.Models.Nb201;
using NasiOnnx.Models.Spaces;
using NasiOnnx.Models.Studies;

namespace NasiOnnx.Tests.Models.Studies;

public class SearchStudyTests
{
    private static readonly Nb201SearchSpace Tiny = new(new Nb201NetworkOptions { C = 2, N = 1, InputSize = 8 }, Nb201NetworkOptions.Default);
    private static readonly NasiSearchOptions Options = new() { BatchSize = 4, CalibrationSamples = 1, Runtime = new() { Provider = ExecutionProvider.Cpu } };
    private string _dir = "";

    [SetUp] public void SetUp() => _dir = Directory.CreateTempSubdirectory("nasi-study").FullName;
    [TearDown] public void TearDown() => Directory.Delete(_dir, true);

    private sealed class Recorder : IProgress<StudyProgress>
    {
        public List<StudyProgress> Reports { get; } = [];
        public void Report(StudyProgress value) => Reports.Add(value);
    }

    [Test]
    public void MeanStdIsThePopulationStatistic()
    {
        var s = MeanStd.Of([93.0, 94.0, double.NaN, 92.0]);
        Assert.That(s.Mean, Is.EqualTo(93.0).Within(1e-12));
        Assert.That(s.Std, Is.EqualTo(Math.Sqrt(2.0 / 3)).Within(1e-12), "ddof 0 over the finite values");
        Assert.That(s.ToString(), Is.EqualTo("93.00 ± 0.82"));
        Assert.That(double.IsNaN(MeanStd.Of([]).Mean));
    }

    [Test]
    public void SummaryGroupsRunsByBudgetInTheOrderAsked()
    {
        StudyRun Run(int t, ulong seed, double c10) => new(t, seed, $"cell{t}{seed}", 10 * t, 1, 1, c10, c10 - 20, c10 - 50);
        var rows = StudySummary.Of([Run(400, 0, 93), Run(100, 1, 92), Run(100, 0, 90), Run(400, 1, 95)], [400, 100]);
        Assert.That(rows.Select(r => (r.Samples, r.Runs)), Is.EqualTo(new[] { (400, 2), (100, 2) }));
        Assert.That(rows[0].Cifar10.Mean, Is.EqualTo(94));
        Assert.That(rows[1].Cifar100, Is.EqualTo(new MeanStd(71, 1)));
        Assert.That(rows[1].Architectures, Is.EqualTo(new[] { "cell1000", "cell1001" }), "in seed order");
        Assert.That(rows[0].MeanSeconds, Is.EqualTo(4000));
    }

    [Test]
    public void AKilledStudyResumesAndLooksUpTheTruthOnlyAfterASearchHasEnded()
    {
        var path = Path.Combine(_dir, "runs.csv");
        var truthPath = Path.Combine(_dir, "truth.csv");
        // Every cell of the space, with a made-up accuracy that is a function of the cell string.
        File.WriteAllLines(truthPath, ["arch_str,cifar10_test,cifar100_test,imagenet16_120_test",
            .. Nb201Cell.All().Select(c => $"{c},{c.GetHashCode() % 97},{c.GetHashCode() % 89},{c.GetHashCode() % 83}")]);
        var recorder = new Recorder();
        var searchesEndedWhenTruthWasRead = -1;
        Nb201Truth Truth()
        {
            searchesEndedWhenTruthWasRead = recorder.Reports.Count(r => r.Finished is null && r.Search!.Done == r.Search.Total);
            return Nb201Truth.Load(truthPath);
        }

        using (var log = StudyLog.Open(path, "settings A"))
            SearchStudy.RunAsync(Tiny, Options, null, [2], [0], log, Truth, recorder).GetAwaiter().GetResult();
        Assert.That(searchesEndedWhenTruthWasRead, Is.EqualTo(1), "the table is read once the first search has ended, not before");

        // A torn last line (a kill mid-write) is cut off; the finished run is kept and not searched again.
        File.AppendAllText(path, "2,1,|none~0|+|none~0|none");
        var again = new Recorder();
        IReadOnlyList<StudyRun> runs;
        using (var log = StudyLog.Open(path, "settings A"))
            runs = SearchStudy.RunAsync(Tiny, Options, null, [2], [0, 1], log, Truth, again).GetAwaiter().GetResult();
        Assert.That(runs.Select(r => r.Key), Is.EqualTo(new[] { "T=2/seed=0", "T=2/seed=1" }));
        Assert.That(again.Reports.Where(r => r.Finished is not null).Select(r => r.Seed), Is.EqualTo(new[] { 1UL }), "only seed 1 was searched");
        Assert.That(again.Reports[0].Resumed, Is.EqualTo(1));
        var table = Nb201Truth.Load(truthPath);
        foreach (var r in runs) Assert.That(r.Cifar10, Is.EqualTo(table.Lookup(r.Architecture).Cifar10));
        Assert.That(File.ReadAllLines(path), Has.Length.EqualTo(3), "header and two whole runs");

        Assert.That(() => StudyLog.Open(path, "settings B"), Throws.InstanceOf<NasiException>().With.Message.Contains("other settings"));
    }

    [Test]
    public void SameSeedSameCell()
    {
        var a = SearchStudy.RunAsync(Tiny, Options, null, [3], [5], null).GetAwaiter().GetResult();
        var b = SearchStudy.RunAsync(Tiny, Options, null, [3], [5], null).GetAwaiter().GetResult();
        Assert.That(a.Single().Architecture, Is.EqualTo(b.Single().Architecture));
        Assert.That(a.Single().MeanScore, Is.EqualTo(b.Single().MeanScore));
    }
}
