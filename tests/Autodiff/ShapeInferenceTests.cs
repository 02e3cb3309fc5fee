using NasiOnnx.Engine.Autodiff;
using NasiOnnx.Engine.Graphs;
using NasiOnnx.Engine.Init;
using NasiOnnx.Models.Darts;
using NasiOnnx.Models.Nb201;
using NasiOnnx.Tests.Ntk;
using NasiOnnx.Tests.Search;
using Onnx;

namespace NasiOnnx.Tests.Autodiff;

/// <summary>
/// Static shapes inferred by rule must be exactly what ONNX Runtime computes: every value's shape and element
/// type, compared with a probe run, on every kind of model the tests build (the gradient check cases and their
/// gradient graphs, NAS-Bench-201 and DARTS networks and supernets, with loss heads and gradient graphs).
/// </summary>
public class ShapeInferenceTests
{
    private static readonly Nb201NetworkOptions SmallNb201 = new() { C = 4, N = 1, InputSize = 8, Seed = 2 };

    /// <summary>Inference must cover the model, and agree with the probe on every value.</summary>
    private static void AssertInferredAsProbed(ModelProto model, IReadOnlyDictionary<string, long[]> inputShapes, string what)
    {
        var inferred = StaticShapes.TryInfer(model, inputShapes, out var why);
        Assert.That(inferred, Is.Not.Null, $"{what}: not inferred ({why})");
        var probed = StaticShapes.Probe(model, inputShapes);
        var values = model.Graph.Node.SelectMany(n => n.Output).Where(o => o.Length > 0)
            .Concat(model.Graph.Input.Select(i => i.Name)).Concat(model.Graph.Initializer.Select(t => t.Name)).Distinct().ToList();
        var wrong = values
            .Where(v => !inferred!.Contains(v) || !probed.Contains(v)
                        || !inferred.Shape(v).SequenceEqual(probed.Shape(v)) || inferred.Type(v) != probed.Type(v))
            .Select(v => $"{v}: inferred {Describe(inferred!, v)}, probed {Describe(probed, v)}").Take(5).ToList();
        Assert.That(wrong, Is.Empty, $"{what}: {values.Count} values");
        Assert.That(inferred!.InputShapes.Keys, Is.EquivalentTo(probed.InputShapes.Keys), what);
    }

    private static string Describe(StaticShapes s, string v) =>
        s.Contains(v) ? $"{s.Type(v)} [{string.Join(",", s.Shape(v))}]" : "absent";

    [TestCaseSource(typeof(GradientCases), nameof(GradientCases.All))]
    public void TheGradientCasesAndTheirGradientGraphs(GradientCase c)
    {
        var (forward, values) = GradientCheckTests.OneNodeModel(c, Rng.For(5, c.Name));
        var shapes = values.ToDictionary(kv => kv.Key, kv => kv.Value.Shape);
        AssertInferredAsProbed(forward, shapes, c.Name);
        var gradient = Vjp.Build(forward, [GradientSeed.FromInput(forward.Graph.Output[0].Name)], shapes, values.Keys.ToList());
        AssertInferredAsProbed(gradient.Model, gradient.InputShapes, c.Name + " (gradient graph)");
    }

    private static IEnumerable<TestCaseData> Networks()
    {
        foreach (var cell in new[] { Nb201Cell.Default, Nb201Cell.Uniform(Nb201Op.None), Nb201Cell.Uniform(Nb201Op.AvgPool3x3),
                     Nb201Cell.Parse("|none~0|+|nor_conv_1x1~0|nor_conv_3x3~1|+|skip_connect~0|none~1|avg_pool_3x3~2|") })
            yield return new TestCaseData(Nb201Network.Build(cell, SmallNb201), "input", 3L).SetArgDisplayNames($"NB201 {cell}");
        yield return new TestCaseData(Nb201Network.Build(Nb201Cell.Default, SmallNb201 with { BatchNorm = BatchNormMode.Inference, Classes = 7 }), "input", 2L)
            .SetArgDisplayNames("NB201, BN inference");
        yield return new TestCaseData(Nb201Supernet.Build(SmallNb201), "input", 2L).SetArgDisplayNames("NB201 supernet");
        var darts = new DartsNetworkOptions { C = 4, Layers = 3, InputSize = 8, Seed = 1 };
        foreach (var name in new[] { "darts-v2", "pc-darts", "nasi-fix" })
            yield return new TestCaseData(DartsNetwork.BuildCifar(DartsPresets.Get(name), darts), "input", 2L).SetArgDisplayNames($"DARTS {name}");
        yield return new TestCaseData(DartsNetwork.BuildCifar(DartsPresets.DartsV2, darts with { Auxiliary = true, InputSize = 32 }), "input", 2L).SetArgDisplayNames("DARTS with auxiliary head");
        yield return new TestCaseData(DartsNetwork.BuildImageNet(DartsPresets.DartsV2, darts with { InputSize = 32 }), "input", 2L).SetArgDisplayNames("DARTS ImageNet stem");
        // Its gradient graph's ops are those of the NB201 supernet's, and probing its ~20,000 values takes 40 s: forward and loss head only.
        yield return new TestCaseData(DartsSupernet.Build(new DartsSupernetOptions { C = 4, Layers = 3, InputSize = 8, Seed = 1 }), "input", 2L, false).SetArgDisplayNames("DARTS supernet");
        yield return new TestCaseData(TinySupernet.Build(), "input", 3L).SetArgDisplayNames("tiny supernet");
        yield return new TestCaseData(SmallConvNet.Build(4), "input", 4L).SetArgDisplayNames("small conv net");
        yield return new TestCaseData(NtkTestModels.ConvBn(4, 3, 1), "x", 3L).SetArgDisplayNames("conv-BN (NTK tests)");
    }

    /// <summary>The forward network, then its loss-gradient graph (loss head, every parameter, architecture inputs).</summary>
    [TestCaseSource(nameof(Networks))]
    public void NetworksAndTheirLossGradientGraphs(ModelProto model, string input, long batch, bool probeGradient = true)
    {
        var signature = ModelSignature.Of(model, (int)batch, source: model.Graph.Name);
        var shapes = new Dictionary<string, long[]> { [input] = signature.InputShape };
        AssertInferredAsProbed(model, shapes, model.Graph.Name);
        var initializers = model.Graph.Initializer.Select(t => t.Name).ToHashSet();
        var architecture = model.Graph.Input.Where(i => i.Name != input && !initializers.Contains(i.Name)).Select(i => i.Name).ToList();
        var gradient = LossGradient.Build(model, signature.InputShape, wrtInputs: architecture);
        Assert.That(StaticShapes.For(gradient.Model, gradient.InputShapes).Inferred, Is.True);
        if (probeGradient) AssertInferredAsProbed(gradient.Model, gradient.InputShapes, model.Graph.Name + " (loss gradient)");
    }

    [Test]
    public void AShapeComputedInTheGraphIsFollowedByValue()
    {
        // What exporters write for x.view(x.size(0), -1): Shape → Gather → Unsqueeze → Concat → Reshape.
        var g = GraphBuilder.Create("computed_shape");
        var x = g.Input("x", ElementType.Float, GraphBuilder.SymbolicBatch, 3, 4, 5);
        var batch = g.Node("Unsqueeze", [g.Node("Gather", [g.Node("Shape", [x]), g.Int64Initializer("zero", [0])], Attr.Int("axis", 0)), g.Int64Constant("axes", 0)]);
        var target = g.Node("Concat", [batch, g.Int64Constant("rest", -1)], Attr.Int("axis", 0));
        var flat = g.Node("Reshape", [x, target]);
        var tail = g.Node("Slice", [g.Node("Shape", [flat]), g.Int64Constant("start", 1), g.Int64Constant("end", 2)]);
        var y = g.Node("Expand", [g.Node("ReduceSum", [flat, g.Int64Constant("axis1", 1)]), g.Node("Concat", [batch, tail], Attr.Int("axis", 0))]);
        g.Output(y, ElementType.Float);
        AssertInferredAsProbed(g.Model, new Dictionary<string, long[]> { ["x"] = [6, 3, 4, 5] }, "computed shape");
        Assert.That(StaticShapes.For(g.Model, new Dictionary<string, long[]> { ["x"] = [6, 3, 4, 5] }).Shape(y), Is.EqualTo(new long[] { 6, 60 }));
    }

    [Test]
    public void AnOpWithoutAShapeRuleFallsBackToTheProbeAndSaysWhy()
    {
        var g = GraphBuilder.Create("no_rule");
        var x = g.Input("x", ElementType.Float, 2, 3);
        var y = g.Node("Relu", [g.Node("CumSum", [x, g.Int64Initializer("axis", [1])])]);
        g.Output(y, ElementType.Float, [2, 3]);
        Assert.That(StaticShapes.TryInfer(g.Model, new Dictionary<string, long[]>(), out var why), Is.Null);
        Assert.That(why, Does.Contain("CumSum"));
        var shapes = StaticShapes.For(g.Model, new Dictionary<string, long[]>());
        Assert.That(shapes.Inferred, Is.False);
        Assert.That(shapes.ProbeReason, Does.Contain("CumSum"));
        Assert.That(shapes.Shape(y), Is.EqualTo(new long[] { 2, 3 }));
    }
}
