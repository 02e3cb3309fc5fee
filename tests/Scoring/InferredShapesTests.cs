using NasiOnnx.Engine.Graphs;
using NasiOnnx.Engine.Scoring;
using NasiOnnx.Models.Nb201;
using Onnx;

namespace NasiOnnx.Tests.Scoring;

/// <summary>
/// The shapes scoring checks before a model's first run: the engine's rules where they cover the model, giving what
/// ONNX Runtime's inference gives (and the dimensions it leaves open); ONNX Runtime's inference wherever they cannot.
/// </summary>
public class InferredShapesTests
{
    private static IEnumerable<TestCaseData> Covered()
    {
        yield return new TestCaseData(Nb201Network.Build(Nb201Cell.Default, ScoringTestModels.Small), "input").SetArgDisplayNames("NB201 default");
        yield return new TestCaseData(Nb201Network.Build(Nb201Cell.Parse(ScoringTestModels.Cells[1]), ScoringTestModels.Small), "input").SetArgDisplayNames("NB201 with none edges");
        foreach (var flatten in Enum.GetValues<ExportedModel.FlattenStyle>())
            yield return new TestCaseData(new ExportedModel { Batch = 1, Flatten = flatten }.Build(), "input").SetArgDisplayNames($"export, {flatten}");
        yield return new TestCaseData(new ExportedModel { Batch = 1, ChannelsLast = true }.Build(), "input_1").SetArgDisplayNames("export, NHWC");
    }

    [TestCaseSource(nameof(Covered))]
    public void TheRulesGiveWhatOnnxRuntimeInfers(ModelProto model, string input)
    {
        var inputs = new Dictionary<string, long[]> { [input] = ModelSignature.Of(model, 1, source: "m").InputShape };
        var ruled = InferredShapes.ByRule(model, inputs);
        var ort = InferredShapes.ByOnnxRuntime(model, inputs);
        Assert.That(ruled, Is.Not.Null);
        Assert.That(ruled!.Shapes.Keys, Is.EquivalentTo(ort.Shapes.Keys));
        // Where ONNX Runtime leaves a dimension open (a Reshape whose target is computed in the graph: its inference
        // folds no constants), the rules, which carry small int64 values, know it.
        bool Agrees(long[] rule, long[] inferred) => rule.Length == inferred.Length && rule.Zip(inferred).All(p => p.Second < 0 || p.First == p.Second);
        Assert.That(ruled.Shapes.Where(kv => !Agrees(kv.Value, ort.Shapes[kv.Key])).Select(kv => kv.Key), Is.Empty);
        Assert.That(ruled.KnownElements, Is.GreaterThanOrEqualTo(ort.KnownElements));
        Assert.That(InferredShapes.Of(model, inputs).Inferred, Is.True);
    }

    [Test]
    public void AnOpWithoutARuleIsLeftToOnnxRuntime()
    {
        var model = ScoringTestModels.WithoutGradientRule(); // Cos has no shape rule
        var inputs = new Dictionary<string, long[]> { ["input"] = [2, 3, 8, 8] };
        Assert.That(InferredShapes.ByRule(model, inputs), Is.Null);
        var shapes = InferredShapes.Of(model, inputs);
        Assert.That(shapes.Inferred, Is.False);
        Assert.That(shapes.Shapes[model.Graph.Output[0].Name], Is.EqualTo(new long[] { 2, 10 }));
    }

    [Test]
    public void ADimensionOfZeroIsLeftToOnnxRuntime()
    {
        // Pooled down to no rows: the rule gives no window, ONNX Runtime's inference says 0 (and scoring refuses it).
        var g = GraphBuilder.Create("squeezed");
        var x = g.Input("input", ElementType.Float, 1, 3, 2, 9);
        var pool = g.Node("MaxPool", [x], Attr.Ints("kernel_shape", 3, 3));
        g.Output(pool, ElementType.Float);
        var inputs = new Dictionary<string, long[]> { ["input"] = [1, 3, 2, 9] };
        Assert.That(InferredShapes.ByRule(g.Model, inputs), Is.Null);
        Assert.That(InferredShapes.Of(g.Model, inputs).Shapes[pool], Does.Contain(0L));
    }

    [Test]
    public void AMalformedNodeIsLeftToOnnxRuntimeWithoutAnError()
    {
        var model = new ExportedModel { Batch = 1 }.Build();
        var conv = model.Graph.Node.First(n => n.OpType == "Conv");
        while (conv.Input.Count > 1) conv.Input.RemoveAt(1); // no weight
        var inputs = new Dictionary<string, long[]> { ["input"] = [1, 3, ExportedModel.Size, ExportedModel.Size] };
        Assert.That(InferredShapes.ByRule(model, inputs), Is.Null);
        Assert.That(InferredShapes.Of(model, inputs).Inferred, Is.False);
    }
}
