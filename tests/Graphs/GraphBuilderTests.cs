using NasiOnnx.Engine.Graphs;
using NasiOnnx.Engine.Runtime;

namespace NasiOnnx.Tests.Graphs;

public class GraphBuilderTests
{
    [Test]
    public void BuiltGraphRunsInOnnxRuntimeAndRoundTripsThroughAFile()
    {
        var g = GraphBuilder.Create("tiny");
        var x = g.Input("x", ElementType.Float, 2, 3);
        var w = g.Initializer("w", [1, 2, 3, 4, 5, 6], 3, 2);
        var y = g.Node("MatMul", [x, w]);
        var z = g.Node("Relu", [y]);
        g.Output(z, ElementType.Float, [2, 2]);

        var path = Path.Combine(Path.GetTempPath(), $"nasi-{Guid.NewGuid():N}.onnx");
        try
        {
            ModelFile.Save(g.Model, path);
            var loaded = ModelFile.Load(path);
            using var session = SessionFactory.Create(loaded, new RuntimeOptions { Provider = ExecutionProvider.Cpu });
            var x0 = new Tensor([1, 0, -1, 0, 1, 0], [2, 3]);
            var result = session.Run(new Dictionary<string, Tensor> { ["x"] = x0 }, null, [z])[0];
            // [1,0,-1]·w = [1-5, 2-6] = [-4,-4] → relu 0; [0,1,0]·w = [3,4].
            Assert.That(result.Data, Is.EqualTo(new float[] { 0, 0, 3, 4 }));
            Assert.That(result.Shape, Is.EqualTo(new long[] { 2, 2 }));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Test]
    public void UniqueNamesNeverCollide()
    {
        var g = GraphBuilder.Create("names");
        var a = g.UniqueName("t");
        var b = g.UniqueName("t");
        g.Claim("t_2_x");
        Assert.That(new[] { a, b, g.UniqueName("t") }, Is.Unique);
        Assert.Throws<InvalidOperationException>(() => g.Claim("t"));
    }

    [Test]
    public void GarbageBytesGiveAModelLoadErrorNamingTheSource()
    {
        var ex = Assert.Throws<NasiOnnx.Engine.ModelLoadException>(() => ModelFile.Parse(new byte[] { 0xff, 0xff, 0x01, 0x02 }, "junk.onnx"));
        Assert.That(ex!.Message, Does.StartWith("junk.onnx: "));
    }
}
