using NasiOnnx.Models.Nb201;

namespace NasiOnnx.Tests.Tools;

public class EvaluateCommandTests
{
    private string _dir = "";

    [SetUp] public void SetUp() => _dir = Directory.CreateTempSubdirectory("nasi-eval").FullName;
    [TearDown] public void TearDown() => Directory.Delete(_dir, true);

    [Test]
    public void ScoresAreJoinedByCellAndCorrelatedWithAndWithoutDisconnectedCells()
    {
        // Six cells: a score that orders the connected ones perfectly, and one disconnected cell scored highest.
        var cells = Nb201Cell.All().Where(c => c.IsConnected).Take(5).Append(Nb201Cell.All().First(c => !c.IsConnected)).ToList();
        var truth = Path.Combine(_dir, "truth.csv");
        var scores = Path.Combine(_dir, "scores.csv");
        File.WriteAllLines(truth, new[] { "index,arch_str,params_m,cifar10_test" }
            .Concat(cells.Select((c, i) => $"{i},{c},{0.1 * (6 - i)},{(i == 5 ? 10 : 90 + i)}")));
        File.WriteAllLines(scores, new[] { "id,status,seconds,nasi" }
            .Concat(cells.Select((c, i) => $"{c},ok,0.1,{(i == 5 ? 1000 : i + 1)}"))
            .Append("|none~0|+|none~0|none~1|+|none~0|none~1|none~2|,error: whatever,0,"));
        var png = Path.Combine(_dir, "plot.png");

        var r = Cli.Run("evaluate", "--scores", scores, "--truth", truth, "--plot", png, "--json");
        Assert.That(r.ExitCode, Is.EqualTo(0), r.Err);
        var doc = System.Text.Json.JsonDocument.Parse(r.Out).RootElement;
        Assert.That(doc.GetProperty("matched").GetInt32(), Is.EqualTo(6));
        var nasi = doc.GetProperty("correlations").EnumerateArray().First(e => e.GetProperty("score").GetString() == "nasi");
        Assert.That(nasi.GetProperty("spearmanConnected").GetDouble(), Is.EqualTo(1).Within(1e-12));
        Assert.That(nasi.GetProperty("connectedCount").GetInt32(), Is.EqualTo(5));
        Assert.That(nasi.GetProperty("spearman").GetDouble(), Is.LessThan(0.5), "the disconnected cell breaks the order");
        var peers = doc.GetProperty("correlations").EnumerateArray().Select(e => e.GetProperty("score").GetString()).Distinct();
        Assert.That(peers, Is.EquivalentTo(new[] { "nasi", "params_m" }));
        Assert.That(new FileInfo(png).Length, Is.GreaterThan(1000));
        Assert.That(File.ReadAllBytes(png)[1..4], Is.EqualTo("PNG"u8.ToArray()));
    }

    /// <summary>
    /// Two results files (two scans with different metrics) are joined by cell; a partial row keeps its other metrics;
    /// −∞ (NASWOT's singular kernel) ranks lowest instead of being dropped; one PNG compares every score.
    /// </summary>
    [Test]
    public void SeveralScoreFilesJoinPartialRowsCountAndMinusInfinityRanksLowest()
    {
        var cells = Nb201Cell.All().Where(c => c.IsConnected).Take(5).ToList();
        var truth = Path.Combine(_dir, "truth.csv");
        File.WriteAllLines(truth, new[] { "arch_str,cifar10_test,cifar100_test" }.Concat(cells.Select((c, i) => $"{c},{90 + i},{60 + i}")));
        var a = Path.Combine(_dir, "a.csv");
        var b = Path.Combine(_dir, "b.csv");
        File.WriteAllLines(a, new[] { "id,status,nwot,jacob_cov" }
            .Concat(cells.Select((c, i) => i == 0 ? $"{c},partial: jacob_cov: constant,-Infinity," : $"{c},ok,{i},{-i}")));
        File.WriteAllLines(b, new[] { "id,status,zico" }.Concat(cells.Skip(1).Select((c, i) => $"{c},ok,{i}")));
        var png = Path.Combine(_dir, "compare.png");

        var r = Cli.Run("evaluate", "--scores", a, b, "--truth", truth, "--plot", png, "--json");
        Assert.That(r.ExitCode, Is.EqualTo(0), r.Err);
        var doc = System.Text.Json.JsonDocument.Parse(r.Out).RootElement;
        Assert.That(doc.GetProperty("matched").GetInt32(), Is.EqualTo(4), "the cells both files have");
        var rows = doc.GetProperty("correlations").EnumerateArray().ToList();
        double Rho(string score, string acc) => rows.First(e => e.GetProperty("score").GetString() == score && e.GetProperty("truth").GetString() == acc).GetProperty("spearman").GetDouble();
        Assert.That(Rho("zico", "cifar100_test"), Is.EqualTo(1).Within(1e-12));
        Assert.That(Rho("jacob_cov", "cifar10_test"), Is.EqualTo(-1).Within(1e-12));
        Assert.That(doc.GetProperty("plots").EnumerateArray().Single().GetString(), Is.EqualTo(png));
        Assert.That(File.ReadAllBytes(png)[1..4], Is.EqualTo("PNG"u8.ToArray()));

        var alone = Cli.Run("evaluate", "--scores", a, "--truth", truth, "--metric", "nwot", "--json");
        var nwot = System.Text.Json.JsonDocument.Parse(alone.Out).RootElement.GetProperty("correlations").EnumerateArray().First();
        Assert.That(nwot.GetProperty("count").GetInt32(), Is.EqualTo(5), "the partial row's −∞ is a score");
        Assert.That(nwot.GetProperty("spearman").GetDouble(), Is.EqualTo(1).Within(1e-12));
    }

    /// <summary>A <c>rank --all --unique</c> result (one row per cell, scored_as naming its class's representative)
    /// is evaluated over all 15,625 cells of the shared table.</summary>
    [Test]
    public void AWholeSpaceResultOfClassesIsEvaluatedOverEveryCell()
    {
        var table = Nb201Tables.Require("nb201_all.csv");
        var scores = Path.Combine(_dir, "unique.csv");
        var lines = new List<string> { "id,status,parameters,input_shape,provider,seconds,scored_as,nasi,loss" };
        foreach (var c in Nb201Isomorphism.Classes)
            foreach (var m in c.Members)
                lines.Add($"{m},ok,{Nb201Network.ParameterCount(m, Nb201NetworkOptions.Default)},64x3x32x32,CPU,0,{c.Representative},{c.CanonicalForm.Length},2.3");
        File.WriteAllLines(scores, lines);
        var r = Cli.Run("evaluate", "--scores", scores, "--truth", table, "--plot", Path.Combine(_dir, "plot.png"), "--json");
        Assert.That(r.ExitCode, Is.EqualTo(0), r.Err);
        var doc = System.Text.Json.JsonDocument.Parse(r.Out).RootElement;
        Assert.That(doc.GetProperty("matched").GetInt32(), Is.EqualTo(Nb201Cell.SpaceSize));
        var columns = doc.GetProperty("correlations").EnumerateArray().Select(e => e.GetProperty("score").GetString()).Distinct();
        Assert.That(columns, Does.Contain("nasi").And.Not.Contain("scored_as"));
        var nasi = doc.GetProperty("correlations").EnumerateArray().First(e => e.GetProperty("score").GetString() == "nasi");
        Assert.That(nasi.GetProperty("count").GetInt32(), Is.EqualTo(Nb201Cell.SpaceSize));
    }

    /// <summary>--exclude leaves the listed cells (a file in the dev sample's layout) out of every correlation.</summary>
    [Test]
    public void ExcludedCellsAreLeftOutOfTheCorrelations()
    {
        // Eight connected cells; the score orders the first five perfectly and ranks the three best cells lowest.
        var cells = Nb201Cell.All().Where(c => c.IsConnected).Take(8).ToList();
        var truth = Path.Combine(_dir, "truth.csv");
        var scores = Path.Combine(_dir, "scores.csv");
        var dev = Path.Combine(_dir, "dev.csv");
        File.WriteAllLines(truth, new[] { "index,arch_str,cifar10_test" }.Concat(cells.Select((c, i) => $"{i},{c},{80 + i}")));
        File.WriteAllLines(scores, new[] { "id,status,nasi" }.Concat(cells.Select((c, i) => $"{c},ok,{(i < 5 ? i : -i)}")));
        File.WriteAllLines(dev, new[] { "index,arch_str,cifar10_test" }.Concat(cells.Skip(5).Select((c, i) => $"{i},{c},0")));

        var all = Cli.Run("evaluate", "--scores", scores, "--truth", truth, "--plot", Path.Combine(_dir, "a.png"), "--json");
        var rest = Cli.Run("evaluate", "--scores", scores, "--truth", truth, "--exclude", dev, "--plot", Path.Combine(_dir, "b.png"), "--json");
        Assert.That(all.ExitCode, Is.EqualTo(0), all.Err);
        Assert.That(rest.ExitCode, Is.EqualTo(0), rest.Err);
        double Spearman(string json) => System.Text.Json.JsonDocument.Parse(json).RootElement.GetProperty("correlations").EnumerateArray()
            .First(e => e.GetProperty("score").GetString() == "nasi").GetProperty("spearman").GetDouble();
        var doc = System.Text.Json.JsonDocument.Parse(rest.Out).RootElement;
        Assert.That(doc.GetProperty("matched").GetInt32(), Is.EqualTo(5));
        Assert.That(doc.GetProperty("excluded").GetInt32(), Is.EqualTo(3));
        Assert.That(Spearman(rest.Out), Is.EqualTo(1).Within(1e-12));
        Assert.That(Spearman(all.Out), Is.LessThan(0.9));

        var missing = Cli.Run("evaluate", "--scores", scores, "--truth", truth, "--exclude", Path.Combine(_dir, "nope.csv"));
        Assert.That(missing.ExitCode, Is.Not.EqualTo(0));
        Assert.That(missing.Err, Does.Contain("nope.csv"));
    }

    [Test]
    public void ScoresThatMatchNothingAreAnError()
    {
        var truth = Path.Combine(_dir, "truth.csv");
        var scores = Path.Combine(_dir, "scores.csv");
        File.WriteAllLines(truth, ["arch_str,cifar10_test", $"{Nb201Cell.Default},93"]);
        File.WriteAllLines(scores, ["id,nasi", "model_a.onnx,3", "model_b.onnx,4"]);
        var r = Cli.Run("evaluate", "--scores", scores, "--truth", truth);
        Assert.That(r.ExitCode, Is.EqualTo(2));
        Assert.That(r.Err, Does.Contain("only 0 scored candidates match"));
    }
}
