using NasiOnnx.Engine;
using NasiOnnx.Engine.Graphs;
using NasiOnnx.Engine.Ntk;

namespace NasiOnnx.Tests.Ntk;

public class ParameterizedModelTests
{
    [Test]
    public void ParametersBecomeInputsAndRunningStatisticsStayInitializers()
    {
        var model = NtkTestModels.ConvBn(channels: 4, classes: 3, seed: 2);
        var p = ParameterizedModel.Of(model);

        var names = p.Parameters.Select(s => s.Name).ToArray();
        Assert.That(names, Is.EqualTo(new[] { "conv.w", "bn.scale", "bn.bias", "fc.w", "fc.b" }));
        Assert.That(p.Model.Graph.Initializer.Select(t => t.Name), Is.EquivalentTo(new[] { "bn.mean", "bn.var" }));
        Assert.That(p.Model.Graph.Input.Select(i => i.Name), Is.SupersetOf(names));
        Assert.That(p.DataInput, Is.EqualTo("x"));
        Assert.That(p.Count, Is.EqualTo(4 * 27 + 4 + 4 + 3 * 4 + 3));
        Assert.That(p.InitialValues.Slice(p.Parameters[3].Offset, 12).ToArray(),
            Is.EqualTo(TensorData.ReadFloats(model.Graph.Initializer.Single(t => t.Name == "fc.w"))));
        Assert.That(model.Graph.Initializer, Has.Count.EqualTo(7), "the original model is left as it was");
    }

    [Test]
    public void TwoDataInputsAreRejectedNamingThem()
    {
        var g = GraphBuilder.Create("two_inputs");
        var a = g.Input("a", ElementType.Float, 2, 3);
        var b = g.Input("b", ElementType.Float, 2, 3);
        var w = g.Initializer("w", new float[9], 3, 3);
        g.Output(g.Node("Add", [g.Node("MatMul", [a, w]), b]), ElementType.Float, [2, 3]);
        var ex = Assert.Throws<GraphException>(() => ParameterizedModel.Of(g.Model));
        Assert.That(ex!.Message, Does.Contain("'a', 'b'"));
    }
}
