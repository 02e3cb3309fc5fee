using System.Diagnostics;
using NasiOnnx.Models.Nb201;
using NasiOnnx.Tools;

namespace NasiOnnx.Tests.Tools;

public class ParetoCommandTests
{
    private string _dir = "";

    // Four cells of rising params (73,306 < 101,306 < 316,346 < 344,346); the metric ranks the third above the fourth.
    private static readonly (string Cell, double Score, double Cifar10)[] Rows =
    [
        ("|avg_pool_3x3~0|+|avg_pool_3x3~0|avg_pool_3x3~1|+|avg_pool_3x3~0|avg_pool_3x3~1|avg_pool_3x3~2|", 1.0, 60),
        ("|avg_pool_3x3~0|+|avg_pool_3x3~0|avg_pool_3x3~1|+|avg_pool_3x3~0|avg_pool_3x3~1|nor_conv_1x1~2|", 0.5, 70),
        ("|avg_pool_3x3~0|+|avg_pool_3x3~0|avg_pool_3x3~1|+|avg_pool_3x3~0|avg_pool_3x3~1|nor_conv_3x3~2|", 3.0, 80),
        ("|avg_pool_3x3~0|+|avg_pool_3x3~0|avg_pool_3x3~1|+|avg_pool_3x3~0|nor_conv_1x1~1|nor_conv_3x3~2|", 2.0, 90),
    ];

    [SetUp]
    public void SetUp()
    {
        _dir = Path.Combine(Path.GetTempPath(), "nasi-pareto-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_dir);
        File.WriteAllLines(Path.Combine(_dir, "scores.csv"), ["id,status,m", .. Rows.Select(r => $"\"{r.Cell}\",ok,{r.Score}")]);
    }

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, true);

    private static IEnumerable<string> TruthLines() =>
        ["index,arch_str,params,cifar10_test,cifar100_test,imagenet16_120_test", .. Rows.Select((r, i) => $"{i},\"{r.Cell}\",0,{r.Cifar10},50,30")];

    [Test]
    public void TheFrontOfAHandMadeScoreTableIsWrittenCheapestFirst()
    {
        var front = Path.Combine(_dir, "front.csv");
        var r = Cli.Run(["pareto", "--scores", Path.Combine(_dir, "scores.csv"), "--metric", "m", "--cost", "params", "-o", front]);
        Assert.That(r.ExitCode, Is.EqualTo(0), r.Err);
        var lines = File.ReadAllLines(front);
        Assert.That(lines[0], Is.EqualTo("id,m,params"));
        Assert.That(lines.Skip(1).Select(l => l.Split(',')[^2] + "," + l.Split(',')[^1]), Is.EqualTo(new[] { "1,73306", "3,316346" }),
            "the second cell costs more and scores less than the first; the fourth is beaten by the third");
    }

    [Test]
    public void TheHypervolumeRatioComparesTheFoundCellsTrueAccuraciesWithTheTrueFront()
    {
        File.WriteAllLines(Path.Combine(_dir, "truth.csv"), TruthLines());
        var r = Cli.Run(["pareto", "--scores", Path.Combine(_dir, "scores.csv"), "--metric", "m", "--cost", "params", "-o", Path.Combine(_dir, "f.csv"), "--truth", Path.Combine(_dir, "truth.csv")]);
        Assert.That(r.ExitCode, Is.EqualTo(0), r.Err);
        // Reference: params 344,346 (the costliest), accuracy 60 (the lowest). True front: all four, area
        // 28000·0 + 215040·10 + 28000·20 + 0·30; found: cells 1 and 3 at 60 and 80, area 243040·0 + 28000·20.
        var ratio = 28000.0 * 20 / (215040.0 * 10 + 28000 * 20);
        Assert.That(r.Out, Does.Contain($"{ratio:P2} from the lowest accuracy"));
        Assert.That(File.Exists(Path.Combine(_dir, "f.png")), Is.True);
        Assert.That(File.ReadAllLines(Path.Combine(_dir, "f.csv"))[0], Is.EqualTo("id,m,params,cifar10_test"));
    }

    [Test]
    public void BadInputIsOneLineWithExitCode2()
    {
        Assert.That(Cli.Run(["pareto", "--scores", Path.Combine(_dir, "scores.csv"), "--metric", "nope"]).Err, Does.Contain("no column 'nope'"));
        Assert.That(Cli.Run(["pareto", "--scores", Path.Combine(_dir, "scores.csv"), "--metric", "m", "--cost", "macs"]).ExitCode, Is.EqualTo(2));
    }

    /// <summary>The truth is a named pipe: a front that opened it before writing itself would block and never write.</summary>
    [Test]
    [Platform("Linux,MacOsX")]
    public void TheTruthIsOpenedOnlyAfterTheFrontIsWritten()
    {
        var fifo = Path.Combine(_dir, "truth.csv");
        using (var mkfifo = Process.Start("mkfifo", [fifo])) mkfifo.WaitForExit();
        var front = Path.Combine(_dir, "front.csv");
        var stdout = new StringWriter();
        var run = Task.Run(() => Program.Run(["pareto", "--scores", Path.Combine(_dir, "scores.csv"), "--metric", "m", "-o", front, "--truth", fifo],
            TextWriter.Synchronized(stdout), TextWriter.Synchronized(new StringWriter())));
        try
        {
            var clock = Stopwatch.StartNew();
            while (!File.Exists(front) && !run.IsCompleted && clock.Elapsed < TimeSpan.FromMinutes(1)) Thread.Sleep(20);
            Thread.Sleep(200);
            Assert.That(File.Exists(front) && File.ReadAllLines(front).Length == 3, Is.True, "the front was written without the table");
            Assert.That(run.IsCompleted, Is.False, "and only then waits for it");
            File.WriteAllLines(fifo, TruthLines());
            Assert.That(run.Wait(TimeSpan.FromMinutes(1)), Is.True);
            Assert.That(run.Result, Is.EqualTo(0));
            Assert.That(stdout.ToString(), Does.Contain("hypervolume ratio"));
        }
        finally
        {
            if (!run.IsCompleted) using (File.OpenWrite(fifo)) { }
        }
    }
}
