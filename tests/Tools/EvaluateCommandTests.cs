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

    /// <summary>A <c>rank --all --unique</c> result (one row per cell, scored_as naming its class's representative)
    /// is evaluated over all 15,625 cells of the shared table.</summary>
    [Test]
    public void AWholeSpaceResultOfClassesIsEvaluatedOverEveryCell()
    {
        var table = Path.Combine(RepoPaths.Shared, "nb201", "nb201_all.csv");
        if (!File.Exists(table)) Assert.Ignore($"{table} is absent: the whole-space evaluation needs it.");
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
