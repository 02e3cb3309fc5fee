using NasiOnnx.Engine.Graphs;
using NasiOnnx.Engine.Init;
using NasiOnnx.Engine.Runtime;
using NasiOnnx.Engine.Scoring;
using NasiOnnx.Models.Api;
using Onnx;

namespace NasiOnnx.Tests.Scoring;

/// <summary>
/// Sequence classifiers exported at a fixed batch of 1 around an LSTM, GRU or RNN (sequence-first as torch and
/// tf2onnx write them, or batch-first, layout 1, which ONNX Runtime runs only once rewritten): each gets a full NASI
/// score on the relaxed route, equal to the per-sample route's (samples independent, the batch on X's axis 1).
/// </summary>
public class RecurrentExportTests
{
    private const long Steps = 5, Features = 3, Hidden = 4, Classes = 3;

    private static ModelProto Export(string op, string direction, long layout, bool useY, long opset, bool constantState = false)
    {
        var rng = new Rng(17);
        float[] Weights(long count, double std)
        {
            var w = new float[count];
            rng.FillGaussian(w, 0, std);
            return w;
        }
        var g = GraphBuilder.Create("sequence_classifier", opset);
        var gates = op switch { "LSTM" => 4L, "GRU" => 3L, _ => 1L };
        long dirs = direction == "bidirectional" ? 2 : 1;
        var x = g.Input("input_1", ElementType.Float, 1, Steps, Features); // Keras: [batch, steps, features]
        if (layout == 0) x = g.Node("Transpose", [x], Attr.Ints("perm", 1, 0, 2));
        var w = g.Initializer("rnn.W", Weights(dirs * gates * Hidden * Features, 0.4), dirs, gates * Hidden, Features);
        var r = g.Initializer("rnn.R", Weights(dirs * gates * Hidden * Hidden, 0.4), dirs, gates * Hidden, Hidden);
        var b = g.Initializer("rnn.B", Weights(dirs * 2 * gates * Hidden, 0.1), dirs, 2 * gates * Hidden);
        List<AttributeProto> attributes = [Attr.Int("hidden_size", Hidden), Attr.String("direction", direction)];
        if (layout == 1) attributes.Add(Attr.Int("layout", 1));
        List<string> inputs = [x, w, r, b];
        if (constantState) inputs.AddRange(["", g.Initializer("rnn.initial_h", Weights(dirs * Hidden, 0.2), dirs, 1, Hidden)]);
        var outputs = g.NodeN(op, inputs, 2, attributes.ToArray());
        string features;
        long width;
        if (useY) // Y [T, D, 1, H] (layout 1: [1, T, D, H]) flattened, as a model reading every step would
        {
            features = layout == 0 ? g.Node("Transpose", [outputs[0]], Attr.Ints("perm", 2, 0, 1, 3)) : outputs[0];
            width = Steps * dirs * Hidden;
        }
        else // Y_h [D, 1, H] (layout 1: [1, D, H])
        {
            features = layout == 0 ? g.Node("Transpose", [outputs[1]], Attr.Ints("perm", 1, 0, 2)) : outputs[1];
            width = dirs * Hidden;
        }
        var flat = g.Node("Reshape", [features, g.Int64Initializer("flat_shape", [1, width], 2)]);
        var dense = g.Node("MatMul", [flat, g.Initializer("dense.W", Weights(width * Classes, 0.5), width, Classes)]);
        g.Output(g.Node("Add", [dense, g.Initializer("dense.b", Weights(Classes, 0.1), Classes)]), ElementType.Float, [1, Classes]);
        return g.Model;
    }

    private static ModelScore Score(ModelProto model, BatchRoute? route) => Nasi.Score(ModelSource.Model(model, "sequence_classifier"), new ScoringOptions
    {
        Metrics = [Metric.Nasi],
        BatchSize = 4,
        Seed = 3,
        Route = route,
        Runtime = new RuntimeOptions { Provider = ExecutionProvider.Cpu, IntraOpThreads = 1 },
    });

    [TestCase("LSTM", "forward", 0L, false, 13L)]
    [TestCase("LSTM", "bidirectional", 0L, true, 17L)]
    [TestCase("GRU", "reverse", 0L, false, 11L)]
    [TestCase("RNN", "bidirectional", 0L, false, 17L)]
    [TestCase("LSTM", "forward", 1L, true, 17L)]
    [TestCase("GRU", "bidirectional", 1L, false, 17L)]
    public void ASequenceClassifierIsRelaxedAndScoredAsPerSample(string op, string direction, long layout, bool useY, long opset)
    {
        var model = Export(op, direction, layout, useY, opset);
        var relaxed = Score(model, null);
        var perSample = Score(model, BatchRoute.PerSample);
        Assert.That(relaxed.Batch, Is.EqualTo("relaxed"), string.Join("; ", relaxed.Notes));
        Assert.That(relaxed.Nasi, Is.Not.Null, string.Join("; ", relaxed.Notes));
        Assert.That(perSample.Batch, Is.EqualTo("per-sample"));
        Assert.That(relaxed.Nasi!.Score, Is.GreaterThan(0));
        Assert.That(perSample.Nasi!.Score, Is.EqualTo(relaxed.Nasi.Score).Within(1e-5 * relaxed.Nasi.Score));
        Assert.That(perSample.Nasi.Loss, Is.EqualTo(relaxed.Nasi.Loss).Within(1e-5 * relaxed.Nasi.Loss));
    }

    [Test]
    public void AnInitialStateSizedForTheFixedBatchIsScoredPerSampleAndTheRowSaysWhy()
    {
        var model = Export("GRU", "forward", 0, false, 17, constantState: true);
        var score = Score(model, null);
        Assert.That(score.Batch, Is.EqualTo("per-sample"));
        Assert.That(score.Notes, Has.Some.Contains("not relaxed").And.Contain("initial state sized for the fixed batch"));
        Assert.That(score.Nasi!.Score, Is.GreaterThan(0));
    }
}
