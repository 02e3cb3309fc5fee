using System.Text.Json;
using NasiOnnx.Engine.Graphs;
using NasiOnnx.Engine.Ranking;
using NasiOnnx.Models.Nb201;

namespace NasiOnnx.Tests.Tools;

public class ScoreRankSearchCommandTests
{
    private static readonly string[] Tiny = ["-C", "4", "-N", "1", "--input-size", "8", "--batch", "4"];
    private static readonly Nb201NetworkOptions TinyNetwork = new() { C = 4, N = 1, InputSize = 8, Seed = 1 };
    private const string TinyCell = "|nor_conv_3x3~0|+|skip_connect~0|nor_conv_1x1~1|+|avg_pool_3x3~0|none~1|nor_conv_3x3~2|";
    private string _dir = "";

    [SetUp] public void SetUp() => _dir = Directory.CreateTempSubdirectory("nasi-cmd").FullName;
    [TearDown] public void TearDown() => Directory.Delete(_dir, true);

    private static JsonElement Json(Cli.Result r)
    {
        Assert.That(r.ExitCode, Is.EqualTo(0), r.Err);
        return JsonDocument.Parse(r.Out).RootElement;
    }

    [Test]
    public void ScoreIsDeterministicAndReportsTheObjective()
    {
        var a = Json(Cli.Run(["score", "--arch", "default", "--seed", "3", "--json", .. Tiny]));
        var b = Json(Cli.Run(["score", "--arch", "default", "--seed", "3", "--json", "--spin", .. Tiny]));
        var c = Json(Cli.Run(["score", "--arch", "default", "--seed", "4", "--json", .. Tiny]));
        var s = a.GetProperty("nasi").GetProperty("score").GetDouble();
        Assert.That(b.GetProperty("nasi").GetProperty("score").GetDouble(), Is.EqualTo(s), "same seed, same score, whatever the threads do between ops");
        Assert.That(c.GetProperty("nasi").GetProperty("score").GetDouble(), Is.Not.EqualTo(s));
        Assert.That(a.GetProperty("nasi").GetProperty("gradientNorm").GetDouble(), Is.EqualTo(Math.Sqrt(s)).Within(1e-9 * s));
        Assert.That(a.GetProperty("provider").GetString(), Is.EqualTo("CPU"));

        var nu = s / 2;
        var r = Json(Cli.Run(["score", "--arch", "default", "--seed", "3", "--json", "--metric", "objective", "--nu", nu.ToString("R"), .. Tiny]));
        Assert.That(r.GetProperty("nasi").GetProperty("objective").GetDouble(), Is.EqualTo(s - 2 * (s - nu)).Within(1e-9 * s));
        var missing = Cli.Run(["score", "--arch", "default", "--metric", "objective", .. Tiny]);
        Assert.That(missing.ExitCode, Is.EqualTo(2));
        Assert.That(missing.Err, Does.Contain("needs ν (--nu)"));
    }

    [Test]
    public void ScoreComputesEveryProxyOfAllAndRefusesAnUnknownName()
    {
        var r = Json(Cli.Run(["score", "--arch", "default", "--seed", "3", "--json", "--metric", "all", .. Tiny]));
        var metrics = r.GetProperty("metrics").EnumerateObject().Select(p => p.Name).ToList();
        Assert.That(metrics, Is.SupersetOf(new[] { "params", "flops", "grad_norm", "snip", "synflow", "nwot", "jacob_cov", "zico", "meco", "zen", "swap", "fisher", "grasp" }));
        Assert.That(r.GetProperty("nasi").GetProperty("score").GetDouble(), Is.GreaterThan(0));
        Assert.That(r.GetProperty("unavailable").ValueKind, Is.EqualTo(JsonValueKind.Null));
        var bad = Cli.Run(["score", "--arch", "default", "--metric", "nasi,bogus", .. Tiny]);
        Assert.That(bad.ExitCode, Is.EqualTo(2));
        Assert.That(bad.Err, Does.Contain("--metric 'bogus'").And.Contain("zico"));
    }

    [Test]
    public void RankLeavesOutTheCellsOfAnExcludeFile()
    {
        var keep = Nb201Cell.All().Take(2).ToList();
        var exclude = Path.Combine(_dir, "exclude.csv");
        File.WriteAllLines(exclude, new[] { "index,arch_str" }.Concat(Nb201Cell.All().Skip(2).Select((c, i) => $"{i},{c}")));
        var csv = Path.Combine(_dir, "rest.csv");
        var r = Cli.Run(["rank", "--sample", "2", "--exclude", exclude, "--seed", "5", "--metric", "params", "--out", csv, .. Tiny]);
        Assert.That(r.ExitCode, Is.EqualTo(0), r.Err);
        Assert.That(ResultLog.Read(csv).Rows.Select(x => x.Id), Is.EquivalentTo(keep.Select(c => c.ToString())));
        var tooMany = Cli.Run(["rank", "--sample", "3", "--exclude", exclude, "--metric", "params", .. Tiny]);
        Assert.That(tooMany.ExitCode, Is.EqualTo(2));
        Assert.That(tooMany.Err, Does.Contain("--sample 3: expected 1..2"));
    }

    [Test]
    public void RankScoresASeededSampleAndResumes()
    {
        var csv = Path.Combine(_dir, "rank.csv");
        var first = Cli.Run(["rank", "--sample", "3", "--seed", "1", "--out", csv, "--budget", "2", .. Tiny]);
        Assert.That(first.ExitCode, Is.EqualTo(0), first.Err);
        Assert.That(ResultLog.Read(csv).Rows, Has.Count.EqualTo(2), "the budget stops after 2 cells");
        var second = Cli.Run(["rank", "--sample", "3", "--seed", "1", "--out", csv, .. Tiny]);
        Assert.That(second.Err, Does.Contain("(2 already done)"));
        var rows = ResultLog.Read(csv).Rows;
        Assert.That(rows.Select(x => x.Id).ToList(), Is.Unique.And.Count.EqualTo(3));
        Assert.That(rows.Select(x => Nb201Cell.Parse(x.Id)).ToList(), Has.Count.EqualTo(3));
        Assert.That(second.Out, Does.Contain("3 candidates: 3 scored"));

        var bad = Cli.Run(["rank", "--sample", "3", "--all", .. Tiny]);
        Assert.That(bad.ExitCode, Is.EqualTo(2));
        Assert.That(bad.Err, Does.Contain("exactly one of --sample N, --cells FILE or --all"));
        Assert.That(Cli.Run(["rank", "--sample", "3", "--budget", "soon", .. Tiny]).Err, Does.Contain("--budget 'soon'"));
    }

    /// <summary>A resumed run keeps error rows as finished; --retry-errors drops them first and scores those cells again.</summary>
    [Test]
    public void RankRetryErrorsScoresTheFailedCellsAgain()
    {
        var csv = Path.Combine(_dir, "rank.csv");
        string[] args = ["rank", "--sample", "3", "--seed", "2", "--metric", "nasi", "--out", csv, .. Tiny];
        Assert.That(Cli.Run(args).ExitCode, Is.EqualTo(0));
        var scored = ResultLog.Read(csv).Rows;
        // Turn the second row into the error a transient failure leaves (a quoted, comma-bearing message).
        var lines = File.ReadAllLines(csv);
        var fields = lines[2].Split(',');
        lines[2] = string.Join(',', [fields[0], "\"error: worker killed, say\"", .. fields[2..]]);
        File.WriteAllLines(csv, lines);
        Assert.That(ResultLog.Read(csv).Rows.Count(r => !r.IsOk), Is.EqualTo(1));

        var kept = Cli.Run(args);
        Assert.That(kept.Err, Does.Contain("(3 already done)"), "without the flag an error row counts as finished");
        var retried = Cli.Run([.. args, "--retry-errors"]);
        Assert.That(retried.ExitCode, Is.EqualTo(0), retried.Err);
        Assert.That(retried.Err, Does.Contain("1 error rows dropped").And.Contain("(2 already done)"));
        var rows = ResultLog.Read(csv).Rows;
        Assert.That(rows.Select(r => r.Id).ToList(), Is.Unique.And.Count.EqualTo(3));
        Assert.That(rows.All(r => r.IsOk));
        foreach (var row in scored)
            Assert.That(rows.Single(r => r.Id == row.Id).Metric("nasi"), Is.EqualTo(row.Metric("nasi")), "the rescored cell gets its score back");
    }

    [Test]
    public void RankUniqueScoresOneCellPerClassWritesEveryCellAndShards()
    {
        string[] cells =
        [
            "|nor_conv_3x3~0|+|none~0|none~1|+|nor_conv_1x1~0|none~1|none~2|",   // class A
            "|avg_pool_3x3~0|+|none~0|none~1|+|nor_conv_1x1~0|none~1|none~2|",   // class A
            "|none~0|+|none~0|none~1|+|none~0|none~1|none~2|",                  // zero class
            "|none~0|+|avg_pool_3x3~0|none~1|+|none~0|none~1|none~2|",          // zero class
            TinyCell,                                                           // its own class
        ];
        var list = Path.Combine(_dir, "cells.txt");
        File.WriteAllLines(list, cells);
        var csv = Path.Combine(_dir, "unique.csv");
        var r = Cli.Run(["rank", "--cells", list, "--unique", "--seed", "1", "--workers", "1", "--out", csv, .. Tiny]);
        Assert.That(r.ExitCode, Is.EqualTo(0), r.Err);
        Assert.That(r.Err, Does.Contain("in 3 isomorphism classes"));
        var rows = ResultLog.Read(csv).Rows.ToDictionary(x => x.Id);
        foreach (var cell in cells)
        {
            var representative = Nb201Isomorphism.ClassOf(Nb201Cell.Parse(cell)).Representative.ToString();
            Assert.That(rows[cell].ScoredAs, Is.EqualTo(representative));
            Assert.That(rows[cell].Metric("nasi"), Is.EqualTo(rows[representative].Metric("nasi")));
            Assert.That(rows[cell].Parameters, Is.EqualTo(Nb201Network.ParameterCount(Nb201Cell.Parse(cell), TinyNetwork)));
        }
        Assert.That(rows.Values.Count(x => x.Seconds > 0), Is.EqualTo(3), "three cells scored");
        Assert.That(rows[cells[0]].Metric("nasi"), Is.Not.EqualTo(rows[cells[4]].Metric("nasi")));

        var again = Cli.Run(["rank", "--cells", list, "--unique", "--seed", "1", "--workers", "1", "--out", csv, .. Tiny]);
        Assert.That(again.Err, Does.Contain("(3 already done)"));

        // Shards split the classes; merged they are the whole run.
        var shards = Enumerable.Range(1, 2).Select(k => Path.Combine(_dir, $"shard{k}.csv")).ToList();
        for (var k = 1; k <= 2; k++)
            Assert.That(Cli.Run(["rank", "--cells", list, "--unique", "--shard", $"{k}/2", "--seed", "1", "--workers", "1", "--out", shards[k - 1], .. Tiny]).ExitCode, Is.EqualTo(0));
        var merged = Path.Combine(_dir, "merged.csv");
        Assert.That(Cli.Run(["merge", shards[0], shards[1], "--out", merged]).ExitCode, Is.EqualTo(0));
        var mergedRows = ResultLog.Read(merged).Rows.ToDictionary(x => x.Id);
        Assert.That(mergedRows.Keys, Is.EquivalentTo(rows.Keys));
        Assert.That(mergedRows.Values.Select(x => (x.ScoredAs, x.Metric("nasi"))), Is.EquivalentTo(rows.Values.Select(x => (x.ScoredAs, x.Metric("nasi")))));
        Assert.That(ResultLog.Read(shards[0]).Rows.Select(x => x.ScoredAs).Intersect(ResultLog.Read(shards[1]).Rows.Select(x => x.ScoredAs)), Is.Empty);
    }

    [Test]
    public void SearchPrintsACellAndExportsItsNetwork()
    {
        var onnx = Path.Combine(_dir, "found.onnx");
        var r = Cli.Run("search", "--space", "nb201", "-T", "2", "--calibration", "1", "-C", "4", "--batch", "4", "--seed", "2", "-o", onnx, "--json");
        var doc = Json(r).GetProperty("summary");
        var cell = Nb201Cell.Parse(doc.GetProperty("architecture").GetString()!);
        Assert.That(doc.GetProperty("scores").GetArrayLength(), Is.EqualTo(2));
        var exported = ModelFile.Load(onnx);
        Assert.That(ParameterSet.Of(exported).Count, Is.EqualTo(ParameterSet.Of(Nb201Network.Build(cell, new Nb201NetworkOptions())).Count),
            "the export is the chosen cell's CIFAR-10 evaluation network");
        Assert.That(r.Err, Does.Contain("provider: CPU"));
        Assert.That(Cli.Run("search", "--space", "nats").Err, Does.Contain("--space 'nats'"));
    }
}
