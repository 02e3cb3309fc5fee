using Google.Protobuf;
using NasiOnnx.Engine;
using NasiOnnx.Engine.Graphs;
using NasiOnnx.Engine.Init;
using NasiOnnx.Engine.Ranking;
using NasiOnnx.Engine.Scoring;
using NasiOnnx.Models.Nb201;
using Onnx;

namespace NasiOnnx.Tests.Scoring;

/// <summary>Malformed, truncated and hostile models: a clear error each time, never a crash or a hang.</summary>
public class HostileModelTests
{
    private static readonly ScoringOptions Options = new()
    {
        Metrics = [Metric.Nasi, Metric.Ntk],
        BatchSize = 2,
        Ntk = new() { Probes = 2, Workers = 1 },
        Runtime = new() { Provider = Engine.Runtime.ExecutionProvider.Cpu, IntraOpThreads = 1 },
        MaxMemoryBytes = 256L << 20,
    };

    private static byte[] ValidModel() =>
        ModelFile.ToBytes(Nb201Network.Build(Nb201Cell.Parse("|nor_conv_3x3~0|+|skip_connect~0|avg_pool_3x3~1|+|none~0|nor_conv_1x1~1|skip_connect~2|"),
            new Nb201NetworkOptions { C = 2, N = 1, InputSize = 4 }));

    /// <summary>Scores bytes as a file would be scored; returns the error message, or null if it scored.</summary>
    private static string? ScoreBytes(byte[] bytes, string name)
    {
        using var scorer = new ModelScorer(Options);
        var task = Task.Run(() => scorer.Score(new Candidate(name, () => ModelFile.Parse(bytes, name)), CancellationToken.None));
        if (Task.WhenAny(task, Task.Delay(TimeSpan.FromSeconds(30))).Result != task) Assert.Fail($"{name}: no answer within 30 s");
        try
        {
            task.GetAwaiter().GetResult();
            return null;
        }
        catch (NasiException e)
        {
            return e.Message;
        }
    }

    [Test]
    public void RandomMutationsOfAValidModelGiveAClearErrorOrAScore()
    {
        var valid = ValidModel();
        var rng = new Rng(20261127);
        var outcomes = new Dictionary<string, int> { ["scored"] = 0, ["error"] = 0 };
        for (var i = 0; i < 120; i++)
        {
            var bytes = (byte[])valid.Clone();
            switch (i % 3)
            {
                case 0: // flip a few bytes
                    for (var k = 0; k < 1 + rng.NextInt(4); k++) bytes[rng.NextInt(bytes.Length)] ^= (byte)(1 + rng.NextInt(255));
                    break;
                case 1: // truncate
                    bytes = bytes[..rng.NextInt(bytes.Length)];
                    break;
                default: // overwrite a run with random bytes
                    var start = rng.NextInt(bytes.Length);
                    for (var k = start; k < Math.Min(bytes.Length, start + 1 + rng.NextInt(16)); k++) bytes[k] = (byte)rng.NextInt(256);
                    break;
            }
            var name = $"mutant{i}.onnx";
            string? error;
            try
            {
                error = ScoreBytes(bytes, name);
            }
            catch (Exception e) when (e is not AssertionException)
            {
                Assert.Fail($"{name} (mutation seed 20261127, case {i}): {e.GetType().Name} escaped instead of a clear error: {e.Message}");
                return;
            }
            if (error is null) outcomes["scored"]++;
            else
            {
                outcomes["error"]++;
                Assert.That(error, Does.StartWith(name + ": "), $"case {i}: the error names the model");
                Assert.That(error, Does.Not.Contain("internal error"), $"case {i}");
            }
        }
        Assert.That(outcomes["error"], Is.GreaterThan(30), "most mutants are broken models");
    }

    [Test]
    public void ACycleIsAnError()
    {
        var model = ModelFile.Parse(ValidModel());
        var relu = model.Graph.Node.First(n => n.OpType == "Relu");
        var conv = model.Graph.Node.First(n => n.Input.Contains(relu.Output[0]));
        relu.Input[0] = conv.Output[0]; // relu reads the conv that reads it
        var error = ScoreBytes(model.ToByteArray(), "cycle.onnx");
        Assert.That(error, Does.StartWith("cycle.onnx: ").And.Contain("not acyclic"));
    }

    [Test]
    public void AbsurdDimensionsAndMissingExternalDataAreErrorsBeforeAllocation()
    {
        var model = ModelFile.Parse(ValidModel());
        var w = model.Graph.Initializer.First(t => t.Name.EndsWith("/W"));
        w.Dims[0] = 1L << 40;
        Assert.That(ScoreBytes(model.ToByteArray(), "huge.onnx"), Does.Contain("huge.onnx"));

        model = ModelFile.Parse(ValidModel());
        w = model.Graph.Initializer.First(t => t.Name.EndsWith("/W"));
        w.RawData = ByteString.Empty;
        w.DataLocation = TensorProto.Types.DataLocation.External;
        w.ExternalData.Add(new StringStringEntryProto { Key = "location", Value = "weights.bin" });
        Assert.That(ScoreBytes(model.ToByteArray(), "external.onnx"), Does.Contain("external"));
    }

    [Test]
    public void AGraphThatWouldNeedGigabytesIsRefusedByTheMemoryLimit()
    {
        // input → Expand to [b, 3, 4096, 4096] (192 MiB a sample) → ReduceMean → the classifier.
        var g = GraphBuilder.Create("greedy");
        var x = g.Input("input", ElementType.Float, GraphBuilder.SymbolicBatch, 3, 4, 4);
        var big = g.Node("Expand", [g.Node("ReduceMean", [x], Attr.Ints("axes", 2, 3), Attr.Int("keepdims", 1)), g.Int64Constant("shape", 1, 3, 4096, 4096)]);
        var pooled = g.Node("Flatten", [g.Node("GlobalAveragePool", [big])]);
        var y = g.Node("Gemm", [pooled, g.Initializer("W", new float[30], 10, 3)], Attr.Int("transB", 1));
        g.Output(y, ElementType.Float, [GraphBuilder.SymbolicBatch, 10]);
        var error = ScoreBytes(g.Model.ToByteArray(), "greedy.onnx");
        Assert.That(error, Does.Contain("greedy.onnx").And.Contain("--max-memory"));
    }
}
