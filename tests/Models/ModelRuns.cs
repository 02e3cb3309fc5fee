using NasiOnnx.Engine.Graphs;
using NasiOnnx.Engine.Init;
using NasiOnnx.Engine.Runtime;
using Onnx;

namespace NasiOnnx.Tests.Models;

/// <summary>Runs built models on the CPU and reads their weights, for the search-space tests.</summary>
internal static class ModelRuns
{
    private static readonly RuntimeOptions Cpu = new() { Provider = ExecutionProvider.Cpu };

    /// <summary>Runs <paramref name="model"/> on the given float inputs and returns the named outputs.</summary>
    public static Tensor[] Run(ModelProto model, IReadOnlyDictionary<string, Tensor> inputs, params string[] outputs)
    {
        using var session = SessionFactory.Create(model, Cpu);
        return session.Run(inputs, null, outputs);
    }

    /// <summary>i.i.d. N(0, 1) values of the given shape, seeded.</summary>
    public static Tensor Gaussian(ulong seed, params long[] shape)
    {
        var t = Tensor.Zeros(shape);
        new Rng(seed).FillGaussian(t.Data);
        return t;
    }

    /// <summary>The float values of initializer <paramref name="name"/>.</summary>
    public static float[] Weights(ModelProto model, string name)
    {
        var t = model.Graph.Initializer.Single(i => i.Name == name);
        return System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(t.RawData.Span).ToArray();
    }

    /// <summary>Replaces the values of initializer <paramref name="name"/> (same count).</summary>
    public static void SetWeights(ModelProto model, string name, float[] values)
    {
        var t = model.Graph.Initializer.Single(i => i.Name == name);
        Assert.That(values.Length, Is.EqualTo(Tensor.Count(t.Dims)), name);
        t.RawData = Google.Protobuf.ByteString.CopyFrom(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()));
    }
}
