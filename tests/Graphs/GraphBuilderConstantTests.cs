using NasiOnnx.Engine.Graphs;

namespace NasiOnnx.Tests.Graphs;

public class GraphBuilderConstantTests
{
    /// <summary>Regression: the constant helpers reserved their name with UniqueName, then Initializer claimed it again and threw.</summary>
    [Test]
    public void ConstantsGetFreshNamesInsteadOfThrowing()
    {
        var g = GraphBuilder.Create("constants");
        var a = g.FloatConstant("zero", [0f]);
        var b = g.FloatConstant("zero", [0f]);
        var c = g.Int64Constant("axes", 1, 2);
        var d = g.Int64Constant("axes", 3);
        Assert.That(new[] { a, b }, Is.EqualTo(new[] { "zero", "zero_1" }));
        Assert.That(new[] { c, d }, Is.EqualTo(new[] { "axes", "axes_1" }));
        Assert.That(g.Graph.Initializer.Select(t => t.Name), Is.EqualTo(new[] { a, b, c, d }));
        Assert.That(TensorData.ReadInt64s(g.Graph.Initializer[2]), Is.EqualTo(new long[] { 1, 2 }));
        Assert.Throws<ArgumentException>(() => g.FloatConstant("bad", [1f, 2f], 3));
    }
}
