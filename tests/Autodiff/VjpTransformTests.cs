using NasiOnnx.Engine;
using NasiOnnx.Engine.Autodiff;
using NasiOnnx.Engine.Graphs;
using NasiOnnx.Engine.Runtime;
using Onnx;

namespace NasiOnnx.Tests.Autodiff;

/// <summary>What the transform refuses, leaves alone, and promises about names.</summary>
public class VjpTransformTests
{
    private static ModelProto WithOp(string opType)
    {
        var g = GraphBuilder.Create("with_" + opType);
        var x = g.Input("x", ElementType.Float, 2, 3);
        var scaled = g.Node("Mul", [x, g.Initializer("w", [1, 2, 3], 3)]);
        g.AddNode(opType, "block/odd", [scaled], ["odd"]);
        g.Output(g.Node("Relu", ["odd"]), ElementType.Float, [2, 3]);
        return g.Model;
    }

    [TestCase("Cos")]
    [TestCase("Atan")] // Erf, the other unruled op here, got a rule (ExportedOpRules)
    public void AnOpWithoutARuleOnADifferentiatedPathIsRefusedByName(string opType)
    {
        var model = WithOp(opType);
        var ex = Assert.Throws<GraphException>(() =>
            Vjp.Build(model, [GradientSeed.Ones(model.Graph.Output[0].Name)], new Dictionary<string, long[]>()));
        Assert.That(ex!.Message, Does.Contain($"{opType} node 'block/odd'"));
    }

    [Test]
    public void AnOpWithoutARuleOffThePathIsFine()
    {
        // Cos reads only the data input, which is not differentiated: its output is a constant for the gradient.
        var g = GraphBuilder.Create("off_path");
        var x = g.Input("x", ElementType.Float, 3);
        var y = g.Node("Mul", [g.Node("Cos", [x]), g.Initializer("w", [1, 2, 3], 3)]);
        g.Output(y, ElementType.Float, [3]);
        var gradient = Vjp.Build(g.Model, [GradientSeed.Ones(y)], new Dictionary<string, long[]>());
        using var session = SessionFactory.Create(gradient.Model, GradientTestKit.Cpu);
        var dw = session.Run(new Dictionary<string, Tensor> { ["x"] = new([0, 1, 2], [3]) }, null, [gradient.Gradients["w"]])[0];
        Assert.That(dw.Data, Is.EqualTo(new[] { 1f, MathF.Cos(1), MathF.Cos(2) }).Within(1e-6));
    }

    [Test]
    public void TheForwardModelIsLeftUntouchedAndGradientsAreNamedPredictably()
    {
        var model = SmallConvNet.Build(batch: 2);
        var before = ModelFile.ToBytes(model);
        var gradient = LossGradient.Build(model, [2, 3, 8, 8]);
        Assert.That(ModelFile.ToBytes(model), Is.EqualTo(before));
        foreach (var (tensor, output) in gradient.Gradients)
        {
            Assert.That(output, Is.EqualTo("grad/" + tensor));
            Assert.That(gradient.Model.Graph.Output.Select(o => o.Name), Does.Contain(output));
        }
        Assert.That(gradient.Gradients.Keys, Does.Not.Contain("bn.mean").And.Not.Contain("bn.var"));
        Assert.That(gradient.InputShapes["input"], Is.EqualTo(new long[] { 2, 3, 8, 8 }));
    }

    [Test]
    public void ATensorWithNoPathToTheSeedGetsAnExactZeroGradient()
    {
        var g = GraphBuilder.Create("unused");
        var x = g.Input("x", ElementType.Float, 2);
        var used = g.Node("Mul", [x, g.Initializer("w", [2, 3], 2)]);
        var other = g.Node("Mul", [x, g.Initializer("v", [5, 7], 2)]);
        g.Output(used, ElementType.Float, [2]);
        g.Output(other, ElementType.Float, [2]);
        var gradient = Vjp.Build(g.Model, [GradientSeed.Ones(used)], new Dictionary<string, long[]>());
        using var session = SessionFactory.Create(gradient.Model, GradientTestKit.Cpu);
        var outs = session.Run(new Dictionary<string, Tensor> { ["x"] = new([1, -1], [2]) }, null, [gradient.Gradients["w"], gradient.Gradients["v"]]);
        Assert.That(outs[0].Data, Is.EqualTo(new[] { 1f, -1f }));
        Assert.That(outs[1].Data, Is.EqualTo(new[] { 0f, 0f }));
    }

    /// <summary>A kept cotangent is the total ∂L/∂value, both uses summed, readable inside the graph but not an
    /// output; a value with no path to the seed is left out, and a name that is not a value is refused.</summary>
    [Test]
    public void KeptCotangentsAreTheTotalCotangentOfAnIntermediateValue()
    {
        // y = w ⊙ x feeds the output twice: out = y ⊙ y + 3y, so ∂out/∂y = 2y + 3 (seed of ones). z = v ⊙ x is an output
        // with no seed.
        var g = GraphBuilder.Create("kept");
        var x = g.Input("x", ElementType.Float, 3);
        var y = g.Node("Mul", [x, g.Initializer("w", [1, 2, 3], 3)]);
        var output = g.Node("Add", [g.Node("Mul", [y, y]), g.Node("Mul", [y, g.Initializer("three", [3, 3, 3], 3)])]);
        var z = g.Node("Mul", [x, g.Initializer("v", [5, 7, 9], 3)]);
        g.Output(output, ElementType.Float, [3]);
        g.Output(z, ElementType.Float, [3]);
        var options = new GradientOptions { Cotangents = [y, z] };
        var gradient = Vjp.Build(g.Model, [GradientSeed.Ones(output)], new Dictionary<string, long[]>(), ["w"], options);
        Assert.That(gradient.Cotangents!.Keys, Is.EquivalentTo(new[] { y }));
        var kept = gradient.Cotangents[y];
        Assert.That(gradient.Model.Graph.Output.Select(o => o.Name), Does.Not.Contain(kept));
        GraphBuilder.Extend(gradient.Model).Output(kept, ElementType.Float, [3]); // exposed here only to read it
        using var session = SessionFactory.Create(gradient.Model, GradientTestKit.Cpu);
        var dy = session.Run(new Dictionary<string, Tensor> { ["x"] = new([1, -1, 0.5f], [3]) }, null, [kept])[0];
        Assert.That(dy.Data, Is.EqualTo(new[] { 2 * 1f + 3, 2 * -2f + 3, 2 * 1.5f + 3 }).Within(1e-6));

        var ex = Assert.Throws<GraphException>(() => Vjp.Build(g.Model, [GradientSeed.Ones(output)], new Dictionary<string, long[]>(), ["w"],
            new GradientOptions { Cotangents = ["no_such_value"] }));
        Assert.That(ex!.Message, Does.Contain("'no_such_value'"));
    }

    [TestCase(false)]
    [TestCase(true)]
    public void FanOutGradientsAreSummed(bool unsortedNodes)
    {
        // y = w·x + w·w (w used three times): dy/dw = x + 2w. Unsorted: ONNX Runtime accepts it, so must we.
        var g = GraphBuilder.Create("fan_out");
        var x = g.Input("x", ElementType.Float, 2);
        var w = g.Initializer("w", [2, 3], 2);
        var y = g.Node("Add", [g.Node("Mul", [w, x]), g.Node("Mul", [w, w])]);
        g.Output(y, ElementType.Float, [2]);
        if (unsortedNodes)
        {
            var reversed = g.Graph.Node.Reverse().ToList();
            g.Graph.Node.Clear();
            g.Graph.Node.AddRange(reversed);
        }
        var gradient = Vjp.Build(g.Model, [GradientSeed.Ones(y)], new Dictionary<string, long[]>());
        using var session = SessionFactory.Create(gradient.Model, GradientTestKit.Cpu);
        var dw = session.Run(new Dictionary<string, Tensor> { ["x"] = new([10, 20], [2]) }, null, [gradient.Gradients["w"]])[0];
        Assert.That(dw.Data, Is.EqualTo(new[] { 14f, 26f }));
    }

    [Test]
    public void DropoutInTrainingModeIsRefused()
    {
        var g = GraphBuilder.Create("dropout");
        var x = g.Input("x", ElementType.Float, 4);
        var scaled = g.Node("Mul", [x, g.Initializer("w", [1, 2, 3, 4], 4)]);
        var training = new TensorProto { Name = "train", DataType = (int)ElementType.Bool, RawData = Google.Protobuf.ByteString.CopyFrom(1) };
        g.Graph.Initializer.Add(training);
        g.AddNode("Dropout", "drop", [scaled, "", "train"], ["dropped"]);
        g.Output("dropped", ElementType.Float, [4]);
        var ex = Assert.Throws<GraphException>(() => Vjp.Build(g.Model, [GradientSeed.Ones("dropped")], new Dictionary<string, long[]>()));
        Assert.That(ex!.Message, Does.Contain("Dropout node 'drop'").And.Contain("training_mode"));
    }

    /// <summary>A node without an input its op needs (a fuzzed model's BatchNormalization had lost its variance) gets an
    /// error naming the node, not an exception from inside its gradient rule.</summary>
    [Test]
    public void ANodeMissingAnInputItsRuleReadsIsRefusedByName()
    {
        var g = GraphBuilder.Create("short_bn");
        var x = g.Input("x", ElementType.Float, 2, 3, 4, 4);
        var scaled = g.Node("Mul", [x, g.Initializer("w", [1f], 1)]);
        float[] ones = [1, 1, 1], zeros = [0, 0, 0];
        g.AddNode("BatchNormalization", "bn", [scaled, g.Initializer("s", ones, 3), g.Initializer("b", zeros, 3), g.Initializer("m", zeros, 3)], ["y"]);
        g.Output("y", ElementType.Float, [2, 3, 4, 4]);
        var ex = Assert.Throws<GraphException>(() => Vjp.Build(g.Model, [GradientSeed.Ones("y")], new Dictionary<string, long[]>(), ["w"]));
        Assert.That(ex!.Message, Does.Contain("BatchNormalization node 'bn'").And.Contain("lacks an input"));
    }

    [Test]
    public void AnOpsetOlderThanTheRulesIsRefused()
    {
        var g = GraphBuilder.Create("old", opset: 11);
        var x = g.Input("x", ElementType.Float, 2);
        var y = g.Node("Mul", [x, g.Initializer("w", [1, 2], 2)]);
        g.Output(y, ElementType.Float, [2]);
        var ex = Assert.Throws<GraphException>(() => Vjp.Build(g.Model, [GradientSeed.Ones(y)], new Dictionary<string, long[]>()));
        Assert.That(ex!.Message, Does.Contain("opset 11"));
    }

    [Test]
    public void ScaledShapeProbeAgreesWithTheFullProbe()
    {
        var model = SmallConvNet.Build(batch: 16);
        var shapes = new Dictionary<string, long[]> { ["input"] = [16, 3, 8, 8] };
        var full = StaticShapes.Probe(model, shapes);
        var scaled = StaticShapes.ProbeScaled(model, shapes, ["input"]);
        foreach (var name in model.Graph.Node.SelectMany(n => n.Output).Concat(model.Graph.Initializer.Select(t => t.Name)).Append("input"))
        {
            Assert.That(scaled.Shape(name), Is.EqualTo(full.Shape(name)), name);
            Assert.That(scaled.Type(name), Is.EqualTo(full.Type(name)), name);
        }
        Assert.That(scaled.InputShapes["input"], Is.EqualTo(new long[] { 16, 3, 8, 8 }));
        Assert.That(scaled.Extended, Is.True, "extended from batches 1-3 although the model declares batch 16");
    }

    [Test]
    public void ScaledShapeProbeFallsBackWhenAShapeIsNotAffineInTheBatch()
    {
        // x·xᵀ flattened has b² elements, which no affine extension from b = 1, 2 predicts (1, 4 → 7, not 9).
        var g = GraphBuilder.Create("square");
        var x = g.Input("x", ElementType.Float, 5, 3);
        var y = g.Node("Reshape", [g.Node("MatMul", [x, g.Node("Transpose", [x])]), g.Int64Constant("flat", -1)]);
        g.Output(y, ElementType.Float);
        var scaled = StaticShapes.ProbeScaled(g.Model, new Dictionary<string, long[]> { ["x"] = [5, 3] }, ["x"]);
        Assert.That(scaled.Shape(y), Is.EqualTo(new long[] { 25 }));
        Assert.That(scaled.Extended, Is.False);
    }

    [Test]
    public void SeveralSeedsAddTheirVectorJacobianProducts()
    {
        // y1 = w·x (seeded by an input v), y2 = w·w (seeded with ones): grad w = v·x + 2w.
        var g = GraphBuilder.Create("two_seeds");
        var x = g.Input("x", ElementType.Float, 2);
        var w = g.Initializer("w", [2, 3], 2);
        var y1 = g.Node("Mul", [w, x]);
        var y2 = g.Node("Mul", [w, w]);
        g.Output(y1, ElementType.Float, [2]);
        g.Output(y2, ElementType.Float, [2]);
        var gradient = Vjp.Build(g.Model, [GradientSeed.FromInput(y1, "v"), GradientSeed.Ones(y2)], new Dictionary<string, long[]>());
        Assert.That(gradient.SeedInputs, Is.EqualTo(new Dictionary<string, string> { [y1] = "v" }));
        using var session = SessionFactory.Create(gradient.Model, GradientTestKit.Cpu);
        var dw = session.Run(new Dictionary<string, Tensor> { ["x"] = new([10, 20], [2]), ["v"] = new([1, -1], [2]) }, null, [gradient.Gradients["w"]])[0];
        Assert.That(dw.Data, Is.EqualTo(new[] { 14f, -14f }));
    }

    /// <summary>
    /// Gradient outputs rename the value that holds them instead of copying it through an Identity; two parameters
    /// whose gradients are one value (both addends of an Add) must both still get it.
    /// </summary>
    [Test]
    public void TwoParametersSharingOneGradientValueBothGetIt()
    {
        var g = GraphBuilder.Create("shared_gradient");
        var x = g.Input("x", ElementType.Float, 2, 3);
        var a = g.Initializer("a", [1, 2, 3], 3);
        var b = g.Initializer("b", [4, 5, 6], 3);
        var y = g.Node("Mul", [x, g.Node("Add", [a, b])]);
        g.Output(y, ElementType.Float, [2, 3]);
        var gradient = Vjp.Build(g.Model, [GradientSeed.Ones(y)], new Dictionary<string, long[]>(), ["a", "b"]);
        Assert.That(gradient.Model.Graph.Node.Count(n => n.OpType == "Identity"), Is.EqualTo(1), "the first gradient is renamed, the second copied");
        using var session = SessionFactory.Create(gradient.Model, new RuntimeOptions { Provider = ExecutionProvider.Cpu });
        var xs = new Tensor([1, 2, 3, 4, 5, 6], [2, 3]);
        var outputs = session.Run(new Dictionary<string, Tensor> { ["x"] = xs }, null, [gradient.Gradients["a"], gradient.Gradients["b"]]);
        float[] expected = [5, 7, 9]; // Σ over rows of x
        Assert.That(outputs[0].Data, Is.EqualTo(expected));
        Assert.That(outputs[1].Data, Is.EqualTo(expected));
    }
}
