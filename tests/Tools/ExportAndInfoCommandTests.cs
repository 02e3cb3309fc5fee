using NasiOnnx.Engine.Graphs;

namespace NasiOnnx.Tests.Tools;

public class ExportAndInfoCommandTests
{
    private string _dir = "";

    [SetUp] public void SetUp() => _dir = Directory.CreateTempSubdirectory("nasi-cli").FullName;
    [TearDown] public void TearDown() => Directory.Delete(_dir, true);

    [Test]
    public void ExportWritesAModelThatInfoDescribes()
    {
        var path = Path.Combine(_dir, "net.onnx");
        var export = Cli.Run("export", "--arch", "|avg_pool_3x3~0|+|skip_connect~0|none~1|+|none~0|none~1|skip_connect~2|", "-o", path);
        Assert.That(export.ExitCode, Is.EqualTo(0), export.Err);
        Assert.That(export.Out, Does.Contain("73,306 parameters"));

        var info = Cli.Run("info", path);
        Assert.That(info.ExitCode, Is.EqualTo(0), info.Err);
        Assert.That(info.Out, Does.Contain("input: float[batch, 3, 32, 32]").And.Contain("73,306"));

        var json = Cli.Run("info", path, "--json");
        var summary = System.Text.Json.JsonDocument.Parse(json.Out).RootElement;
        Assert.That(summary.GetProperty("parameters").GetInt64(), Is.EqualTo(73_306));
        Assert.That(summary.GetProperty("opHistogram").GetProperty("Gemm").GetInt32(), Is.EqualTo(1));
    }

    [Test]
    public void ExportHonoursSizeOptions()
    {
        var path = Path.Combine(_dir, "small.onnx");
        var r = Cli.Run("export", "--arch", "default", "-C", "8", "-N", "1", "--classes", "100", "--bn", "inference", "-o", path);
        Assert.That(r.ExitCode, Is.EqualTo(0), r.Err);
        var summary = ModelSummary.Of(ModelFile.Load(path));
        Assert.That(summary.Outputs[0].Shape, Is.EqualTo(new[] { "batch", "100" }));
    }

    [TestCase("darts-v2", new string[0], 3_349_342)]          // DARTS's CIFAR-10 network, C = 36, 20 cells (its training log's figure)
    [TestCase("DARTS_V2", new[] { "-C", "8", "-N", "5" }, 37_018)] // the search size
    [TestCase("NASI-FIX", new string[0], 1_490_230)]          // the cells this engine's search found
    [TestCase("nasi-ada", new string[0], 1_490_230)]
    [TestCase("Genotype(normal=[('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 1), ('skip_connect', 0), ('skip_connect', 0), ('dil_conv_3x3', 2)], normal_concat=[2, 3, 4, 5], reduce=[('max_pool_3x3', 0), ('max_pool_3x3', 1), ('skip_connect', 2), ('max_pool_3x3', 1), ('max_pool_3x3', 0), ('skip_connect', 2), ('skip_connect', 2), ('max_pool_3x3', 1)], reduce_concat=[2, 3, 4, 5])",
        new string[0], 3_349_342)]
    public void ExportWritesDartsGenotypesByPresetOrString(string genotype, string[] size, long parameters)
    {
        var path = Path.Combine(_dir, "darts.onnx");
        var r = Cli.Run(["export", "--space", "darts", "--genotype", genotype, .. size, "-o", path]);
        Assert.That(r.ExitCode, Is.EqualTo(0), r.Err);
        Assert.That(r.Out, Does.Contain($"{parameters:N0} parameters"));
        Assert.That(ParameterSet.Of(ModelFile.Load(path)).Count, Is.EqualTo(parameters));
    }

    [TestCase(new[] { "export", "--space", "darts", "-o", "x.onnx" }, "--space darts needs --genotype")]
    [TestCase(new[] { "export", "--space", "darts", "--genotype", "enas", "-o", "x.onnx" }, "'enas' (known: darts-v1")]
    [TestCase(new[] { "export", "--space", "darts", "--arch", "default", "-o", "x.onnx" }, "--space darts takes --genotype")]
    [TestCase(new[] { "export", "--genotype", "darts-v2", "-o", "x.onnx" }, "--genotype needs --space darts")]
    [TestCase(new[] { "export", "--space", "nas101", "-o", "x.onnx" }, "--space 'nas101'")]
    [TestCase(new[] { "info", "/nonexistent/model.onnx" }, "/nonexistent/model.onnx: cannot read")]
    [TestCase(new[] { "export", "--arch", "|nor_conv_3x3~0|+|", "-o", "x.onnx" }, "cell")]
    [TestCase(new[] { "export", "--arch", "default", "-o", "x.onnx", "--bn", "sometimes" }, "--bn 'sometimes'")]
    [TestCase(new[] { "export", "--arch", "default", "-o", "x.onnx", "-N", "0" }, "-N must be at least 1")]
    [TestCase(new[] { "export", "--arch", "default" }, "'-o' is required")]
    [TestCase(new[] { "frobnicate" }, "Unrecognized command or argument 'frobnicate'")]
    public void BadInputGivesOneClearLineAndExitCode2(string[] args, string expected)
    {
        var r = Cli.Run(args);
        Assert.That(r.ExitCode, Is.EqualTo(2));
        Assert.That(r.Err, Does.StartWith("nasi: ").And.Contain(expected));
        Assert.That(r.Err, Does.Not.Contain("   at "), "no stack trace");
    }

    [Test]
    public void GarbageModelFileIsNamed()
    {
        var path = Path.Combine(_dir, "garbage.onnx");
        File.WriteAllBytes(path, [0x08, 0xff, 0xff, 0xff, 0x0f, 0x12, 0x99]);
        var r = Cli.Run("info", path);
        Assert.That(r.ExitCode, Is.EqualTo(2));
        Assert.That(r.Err, Does.Contain(path));
    }
}
