using System.Diagnostics;
using NasiOnnx.Engine.Ranking;
using NasiOnnx.Tests.Scoring;

namespace NasiOnnx.Tests.Tools;

/// <summary>A batch killed at a random moment loses nothing it finished, and the same command completes it.</summary>
public class KillAndResumeTests
{
    private string _dir = "";

    [SetUp] public void SetUp() => _dir = Directory.CreateTempSubdirectory("nasi-kill").FullName;
    [TearDown] public void TearDown() => Directory.Delete(_dir, true);

    [Test]
    public void KilledBatchResumesWhereItStopped()
    {
        var models = Path.Combine(_dir, "models");
        Directory.CreateDirectory(models);
        for (var copy = 0; copy < 3; copy++)
            foreach (var path in ScoringTestModels.WriteNb201(models))
                File.Move(path, Path.Combine(models, $"c{copy}_{Path.GetFileName(path)}"));
        var csv = Path.Combine(_dir, "scores.csv");
        string[] args = ["score", models, "--out", csv, "--batch", "8", "--metric", "nasi,ntk", "--probes", "8", "--workers", "1"];

        // Run the real program in its own process and kill it once some rows are on disk.
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "nasi.dll"));
        foreach (var a in args) start.ArgumentList.Add(a);
        using (var process = Process.Start(start)!)
        {
            process.OutputDataReceived += (_, _) => { };
            process.ErrorDataReceived += (_, _) => { };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            var deadline = DateTime.UtcNow.AddMinutes(3);
            while (DateTime.UtcNow < deadline && !process.HasExited && RowsOnDisk(csv) < 2) Thread.Sleep(20);
            Assert.That(process.HasExited, Is.False, "the batch finished before it could be killed; give it more work");
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
        }

        var before = ResultLog.Read(csv).Rows;
        Assert.That(before.Count, Is.InRange(2, 8), "some but not all rows were finished");
        Assert.That(before.Select(r => r.Id), Is.Unique);

        var resumed = Cli.Run(args);
        Assert.That(resumed.ExitCode, Is.EqualTo(0), resumed.Err);
        Assert.That(resumed.Err, Does.Contain($"({before.Count} already done)"));
        var after = ResultLog.Read(csv).Rows;
        Assert.That(after.Select(r => r.Id).ToList(), Is.Unique.And.Count.EqualTo(9));
        Assert.That(after.All(r => r.Status == "ok"));
        foreach (var row in before)
            Assert.That(after.Single(r => r.Id == row.Id).Metric("nasi"), Is.EqualTo(row.Metric("nasi")), "finished rows are kept as they were");
        Assert.That(File.ReadAllText(csv), Does.EndWith("\n"), "no torn line");
    }

    private static int RowsOnDisk(string csv)
    {
        try
        {
            using var stream = new FileStream(csv, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            using var reader = new StreamReader(stream);
            return reader.ReadToEnd().Count(c => c == '\n') - 1;
        }
        catch (IOException)
        {
            return 0;
        }
    }
}
