using NasiOnnx.Engine;
using NasiOnnx.Engine.Graphs;
using NasiOnnx.Engine.Ranking;
using NasiOnnx.Engine.Runtime;
using NasiOnnx.Engine.Scoring;
using Onnx;

namespace NasiOnnx.Tests.Scoring;

/// <summary>Mutants the fuzz campaign (bench --fuzz) found, each reduced to the edit that broke the engine.</summary>
public class FuzzRegressionTests
{
    private static readonly ScoringOptions Options = new()
    {
        Metrics = [Metric.Nasi, Metric.Ntk],
        BatchSize = 2,
        Ntk = new() { Probes = 2, Workers = 1 },
        Runtime = new() { Provider = ExecutionProvider.Cpu, IntraOpThreads = 1 },
        MaxMemoryBytes = 512L << 20,
    };

    private static string Error(ModelProto model, string name)
    {
        using var scorer = new ModelScorer(Options);
        var ex = Assert.Throws(Is.InstanceOf<NasiException>(), () => scorer.Score(new Candidate(name, () => model), CancellationToken.None));
        Assert.That(ex!.Message, Does.StartWith(name + ": "));
        return ex.Message;
    }

    [Test]
    public void AHugeDeclaredInputIsRefusedByTheMemoryLimitWithoutRunningIt()
    {
        // Mutant 1643 (seed 2): an input dimension set to 2^20. Probing it at batch 1 took 11 GB before the limit was
        // checked; shape inference alone now shows it over the limit.
        var g = GraphBuilder.Create("wide");
        var x = g.Input("input", ElementType.Float, 1, 3, 8, 1 << 20);
        var conv = g.Node("Conv", [x, g.Initializer("w", new float[16 * 27], 16, 3, 3, 3)], Attr.Ints("pads", 1, 1, 1, 1));
        var pooled = g.Node("Flatten", [g.Node("GlobalAveragePool", [g.Node("Relu", [conv])])]);
        g.Output(g.Node("Gemm", [pooled, g.Initializer("fc", new float[160], 10, 16)], Attr.Int("transB", 1)), ElementType.Float, [1, 10]);
        var model = g.Model;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        Assert.That(Error(model, "wide.onnx"), Does.Contain("--max-memory"));
        Assert.That(clock.Elapsed.TotalSeconds, Is.LessThan(20), "refused without running the 2-GB activations");
    }

    [Test]
    public void ADropoutWithoutInputsInAnOldOpsetIsAnError()
    {
        // Mutant 1655: an edge edit left a Dropout with no input; the opset upgrade indexed it.
        var model = new ExportedModel { Batch = 1, Opset = 10 }.Build();
        var g = GraphBuilder.Extend(model);
        var relu = model.Graph.Node.First(n => n.OpType == "Relu");
        g.Node("Dropout", [relu.Output[0]], Attr.Float("ratio", 0.5f));
        model.Graph.Node.Last().Input.Clear();
        var upgrade = Assert.Throws<GraphException>(() => OpsetUpgrade.ToOpset17(model.Clone(), "dropout.onnx"));
        Assert.That(upgrade!.Message, Does.Contain("Dropout").And.Contain("no data input"));
        Assert.That(ScoreOrError(model, "dropout.onnx"), Does.Not.Contain("internal error"));
    }

    [Test]
    public void AnInitializerWithAbsurdDimensionsIsAnErrorNotAnOverflow()
    {
        // Mutant 956: dims whose product overflows a long made the parameter count throw OverflowException.
        var model = new ExportedModel { Batch = 1 }.Build();
        var w = model.Graph.Initializer.First(t => t.Name == "fc.weight");
        w.Dims.Clear();
        w.Dims.AddRange([int.MaxValue, int.MaxValue, int.MaxValue]);
        Assert.That(ParameterSet.Of(model).Count, Is.EqualTo(long.MaxValue), "saturates");
        Assert.That(Error(model, "overflow.onnx"), Does.Contain("MiB"), "refused by the limits, whose arithmetic saturates too");
    }

    [Test]
    public void AnAxisPooledDownToZeroIsRefusedBeforeAnyRun()
    {
        // Mutant 6323 (seed 20261128): SqueezeNet's input height set to 9 pools down to 0 rows, and ONNX Runtime's
        // GlobalAveragePool then divided by zero: SIGFPE killed the process. Shape inference sees the 0 first.
        var g = GraphBuilder.Create("squeezed");
        var x = g.Input("input", ElementType.Float, 1, 3, 9, 9);
        var conv = g.Node("Conv", [x, g.Initializer("w", new float[8 * 27], 8, 3, 3, 3)], Attr.Ints("strides", 2, 2));
        var pool = g.Node("MaxPool", [conv], Attr.Ints("kernel_shape", 3, 3), Attr.Ints("strides", 2, 2));
        pool = g.Node("MaxPool", [pool], Attr.Ints("kernel_shape", 3, 3), Attr.Ints("strides", 2, 2));
        var flat = g.Node("Flatten", [g.Node("GlobalAveragePool", [pool])]);
        g.Output(g.Node("Gemm", [flat, g.Initializer("fc", new float[80], 10, 8)], Attr.Int("transB", 1)), ElementType.Float, [1, 10]);
        Assert.That(Error(g.Model, "squeezed.onnx"), Does.Contain("MaxPool").And.Contain("dimension of 0"));
    }

    /// <summary>The row's status or the error: never an exception other than a NasiException.</summary>
    private static string ScoreOrError(ModelProto model, string name)
    {
        using var scorer = new ModelScorer(Options);
        try
        {
            return scorer.Score(new Candidate(name, () => model), CancellationToken.None).Status;
        }
        catch (NasiException e)
        {
            return e.Message;
        }
    }
}
