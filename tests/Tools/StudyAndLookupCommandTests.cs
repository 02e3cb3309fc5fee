using System.Diagnostics;
using System.Text.Json;
using NasiOnnx.Models.Nb201;
using NasiOnnx.Tools;

namespace NasiOnnx.Tests.Tools;

public class StudyAndLookupCommandTests
{
    private const string Good = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|";
    private static readonly string[] Tiny = ["-C", "2", "-N", "1", "--batch", "4", "--calibration", "1"];
    private string _dir = "";

    [SetUp] public void SetUp() => _dir = Directory.CreateTempSubdirectory("nasi-study-cli").FullName;
    [TearDown] public void TearDown() => Directory.Delete(_dir, true);

    /// <summary>A table of every cell, with accuracies that are a function of the cell (rank 1 is the all-conv3x3 cell on CIFAR-10).</summary>
    private static IEnumerable<string> TableLines() =>
        ["arch_str,cifar10_test,cifar100_test,imagenet16_120_test",
         .. Nb201Cell.All().Select(c => $"{c},{c.Edges.Count(e => e.Op == Nb201Op.NorConv3x3) * 10 + 30.5},{c.GetHashCode() % 89},{c.GetHashCode() % 83}")];

    private string Table()
    {
        var path = Path.Combine(_dir, "truth.csv");
        File.WriteAllLines(path, TableLines());
        return path;
    }

    [Test]
    public void LookupPrintsAccuraciesAndRanksAndRefusesBadCells()
    {
        var truth = Table();
        var all = Nb201Cell.Uniform(Nb201Op.NorConv3x3).ToString();
        var r = Cli.Run("lookup", all, Good, "--truth", truth, "--json");
        Assert.That(r.ExitCode, Is.EqualTo(0), r.Err);
        var rows = JsonDocument.Parse(r.Out).RootElement;
        Assert.That(rows[0].GetProperty("cifar10").GetDouble(), Is.EqualTo(90.5));
        Assert.That(rows[0].GetProperty("rankCifar10").GetInt32(), Is.EqualTo(1));
        Assert.That(rows[1].GetProperty("rankCifar10").GetInt32(), Is.EqualTo(2), "five convs: behind the one cell with six");
        Assert.That(Cli.Run("lookup", Good, "--truth", truth).Out, Does.Contain("CIFAR-10 80.50 % (rank 2)").And.Contain("of 15,625 cells"));

        var malformed = Cli.Run("lookup", "|nor_conv_3x3~0|+|", "--truth", truth);
        Assert.That(malformed.ExitCode, Is.EqualTo(2));
        Assert.That(malformed.Err, Does.Contain("Invalid NAS-Bench-201 cell"));
        File.WriteAllLines(truth, TableLines().Take(100));
        var unknown = Cli.Run("lookup", Good, "--truth", truth);
        Assert.That(unknown.ExitCode, Is.EqualTo(2));
        Assert.That(unknown.Err, Does.Contain("is not in").And.Contain("truth.csv"));
        Assert.That(Cli.Run("lookup", Good, "--truth", Path.Combine(_dir, "missing.csv")).Err, Does.Contain("no such file"));
    }

    [Test]
    public void StudyPrintsThePapersTableAndResumes()
    {
        var truth = Table();
        var runs = Path.Combine(_dir, "runs.csv");
        var summary = Path.Combine(_dir, "summary.csv");
        var first = Cli.Run(["study", "-T", "2", "--seeds", "1", "--truth", truth, "--out", runs, .. Tiny]);
        Assert.That(first.ExitCode, Is.EqualTo(0), first.Err);
        var second = Cli.Run(["study", "-T", "2,3", "--seeds", "2", "--truth", truth, "--out", runs, "--summary", summary, .. Tiny]);
        Assert.That(second.ExitCode, Is.EqualTo(0), second.Err);
        Assert.That(second.Err.Split('\n').Count(l => l.StartsWith('[')), Is.EqualTo(3), "T=2 seed 0 was done before: three searches run");
        Assert.That(second.Out, Does.Contain("| T | runs | CIFAR-10 | CIFAR-100 | ImageNet16-120 | search s | distinct cells |"));
        Assert.That(second.Out, Does.Match(@"\| 2 \| 2 \| \d+\.\d\d ± \d+\.\d\d \|"));
        Assert.That(second.Out, Does.Contain("\\|"), "cell strings are escaped inside the Markdown table");
        Assert.That(File.ReadAllLines(summary), Has.Length.EqualTo(3));
        Assert.That(File.ReadAllLines(runs), Has.Length.EqualTo(5));

        var other = Cli.Run(["study", "-T", "2", "--seeds", "1", "--tau", "0.5", "--out", runs, .. Tiny]);
        Assert.That(other.ExitCode, Is.EqualTo(2));
        Assert.That(other.Err, Does.Contain("other settings"));
        Assert.That(Cli.Run(["study", "-T", "100,x", .. Tiny]).Err, Does.Contain("--samples '100,x'"));
        Assert.That(Cli.Run(["study", "--space", "darts", "--truth", truth]).Err, Does.Contain("nb201 only"));
    }

    /// <summary>
    /// The truth file is a named pipe: opening it blocks until the test writes, and the test writes only once the search
    /// has printed its last sample. A search that read the table any earlier would block there and never finish.
    /// </summary>
    [Test]
    [Platform("Linux,MacOsX")]
    public void SearchReadsTheTruthOnlyAfterItHasEnded()
    {
        var fifo = Path.Combine(_dir, "truth.csv");
        using (var mkfifo = Process.Start("mkfifo", [fifo])) mkfifo.WaitForExit();
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var err = TextWriter.Synchronized(stderr);
        var run = Task.Run(() => Program.Run(["search", "-T", "2", "--seed", "1", "--truth", fifo, .. Tiny], TextWriter.Synchronized(stdout), err));
        try
        {
            var clock = Stopwatch.StartNew();
            while (!stderr.ToString().Contains("[2/2]") && !run.IsCompleted && clock.Elapsed < TimeSpan.FromMinutes(2)) Thread.Sleep(20);
            Assert.That(stderr.ToString(), Does.Contain("[2/2]"), "the search ran to its end without the table");
            Assert.That(run.IsCompleted, Is.False, "and only then waits for it");
            File.WriteAllLines(fifo, TableLines());
            Assert.That(run.Wait(TimeSpan.FromMinutes(1)), Is.True);
            Assert.That(run.Result, Is.EqualTo(0), stderr.ToString());
            Assert.That(stdout.ToString(), Does.Contain("accuracy       CIFAR-10"));
        }
        finally
        {
            if (!run.IsCompleted) using (File.OpenWrite(fifo)) { } // unblock a reader so the test cannot hang
        }
    }
}
