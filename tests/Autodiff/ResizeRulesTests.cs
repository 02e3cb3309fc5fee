using NasiOnnx.Engine;
using NasiOnnx.Engine.Autodiff;
using NasiOnnx.Engine.Graphs;
using NasiOnnx.Engine.Init;
using Onnx;
using static NasiOnnx.Tests.Autodiff.CaseInput;

namespace NasiOnnx.Tests.Autodiff;

/// <summary>The Resize settings without a gradient rule are refused naming the node and the setting (their
/// supported siblings are rows of <see cref="ConvolutionalGradientCases"/>).</summary>
public class ResizeRulesTests
{
    [TestCase("cubic", "half_pixel", "mode 'cubic'")]
    [TestCase("linear", "tf_crop_and_resize", "coordinate_transformation_mode 'tf_crop_and_resize'")]
    public void AnUnsupportedResizeIsRefusedNamingTheNode(string mode, string transform, string named)
    {
        var c = new GradientCase("Resize refused", "Resize", [Attr.String("mode", mode), Attr.String("coordinate_transformation_mode", transform)],
            [Var([1, 2, 3, 3]), Const([8], (_, v) => Array.Fill(v, 0.5f)), Const([4], (_, v) => new[] { 1f, 1, 2, 2 }.CopyTo(v, 0))]);
        var (forward, values) = GradientCheckTests.OneNodeModel(c, Rng.For(1, c.Name));
        var ex = Assert.Throws<GraphException>(() => Vjp.Build(forward, [GradientSeed.FromInput(forward.Graph.Output[0].Name)],
            values.ToDictionary(kv => kv.Key, kv => kv.Value.Shape), values.Keys.ToList()));
        Assert.That(ex!.Message, Does.Contain("Resize node 'Resize'").And.Contain(named));
    }
}
