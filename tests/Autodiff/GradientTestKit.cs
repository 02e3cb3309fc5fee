using NasiOnnx.Engine.Graphs;
using NasiOnnx.Engine.Init;
using NasiOnnx.Engine.Runtime;
using Onnx;

namespace NasiOnnx.Tests.Autodiff;

/// <summary>Finite differences over a model's initializers: the reference the loss-gradient tests compare with.</summary>
internal static class GradientTestKit
{
    public static readonly RuntimeOptions Cpu = new() { Provider = ExecutionProvider.Cpu, IntraOpThreads = 1 };

    /// <summary>A random direction over the named initializers, magnitudes in [0.5, 1] with random signs.</summary>
    public static Dictionary<string, float[]> Direction(ModelProto model, IEnumerable<string> names, Rng rng)
    {
        var byName = model.Graph.Initializer.ToDictionary(t => t.Name);
        return names.ToDictionary(n => n, n =>
        {
            var u = new float[Tensor.Count(byName[n].Dims)];
            for (var i = 0; i < u.Length; i++) u[i] = rng.NextSign() * (float)rng.Uniform(0.5, 1);
            return u;
        });
    }

    /// <summary>The scalar output <paramref name="output"/> of <paramref name="model"/> with initializers moved by h·u.</summary>
    public static double Evaluate(ModelProto model, Dictionary<string, float[]> direction, double h,
        Dictionary<string, Tensor> floats, Dictionary<string, long[]>? int64s, string output)
    {
        var moved = model.Clone();
        foreach (var t in moved.Graph.Initializer)
        {
            if (!direction.TryGetValue(t.Name, out var u)) continue;
            var x = TensorData.ReadFloats(t);
            for (var i = 0; i < x.Length; i++) x[i] = (float)(x[i] + h * u[i]);
            TensorData.WriteFloats(t, x);
        }
        using var session = SessionFactory.Create(moved, Cpu);
        return session.Run(floats, int64s, [output])[0].Data[0];
    }

    public static double CentralDifference(ModelProto model, Dictionary<string, float[]> direction, double h,
        Dictionary<string, Tensor> floats, Dictionary<string, long[]>? int64s, string output) =>
        (Evaluate(model, direction, h, floats, int64s, output) - Evaluate(model, direction, -h, floats, int64s, output)) / (2 * h);

    public static Tensor Gaussian(Rng rng, params long[] shape)
    {
        var t = Tensor.Zeros(shape);
        rng.FillGaussian(t.Data);
        return t;
    }

    public static long[] Labels(Rng rng, int count, int classes) =>
        Enumerable.Range(0, count).Select(_ => (long)rng.NextInt(classes)).ToArray();
}
