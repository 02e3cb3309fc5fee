using NasiOnnx.Engine.Autodiff;
using NasiOnnx.Engine.Graphs;
using NasiOnnx.Engine.Init;
using NasiOnnx.Engine.Runtime;
using Onnx;

namespace NasiOnnx.Tests.Autodiff;

/// <summary>
/// Checks every row of <see cref="GradientCases"/>: for each differentiable input separately, ⟨u, VJP(v)⟩ from the
/// gradient model must match the central difference ⟨(f(x+hu) − f(x−hu))/2h, v⟩, both in float32 through ONNX
/// Runtime, with |u| in [0.5, 1] and v standard normal.
/// </summary>
public class GradientCheckTests
{
    private const ulong Seed = 20261127;
    private static readonly RuntimeOptions Cpu = new() { Provider = ExecutionProvider.Cpu, IntraOpThreads = 1 };

    [TestCaseSource(typeof(GradientCases), nameof(GradientCases.All))]
    public void VjpMatchesCentralDifferences(GradientCase c)
    {
        var rng = Rng.For(Seed, c.Name);
        var (forward, values) = OneNodeModel(c, rng);
        var outputs = forward.Graph.Output.Select(o => o.Name).ToList();
        var wrt = values.Keys.ToList();
        var shapes = values.ToDictionary(kv => kv.Key, kv => kv.Value.Shape);
        var gradientModel = Vjp.Build(forward, outputs.Select(o => GradientSeed.FromInput(o)).ToList(), shapes, wrt);

        using var forwardSession = SessionFactory.Create(forward, Cpu);
        var ys = forwardSession.Run(values, null, outputs);
        var feeds = new Dictionary<string, Tensor>(values);
        var vs = new List<float[]>();
        for (var o = 0; o < outputs.Count; o++)
        {
            var v = new float[ys[o].Data.Length];
            rng.FillGaussian(v);
            vs.Add(v);
            feeds[gradientModel.SeedInputs[outputs[o]]] = new Tensor(v, ys[o].Shape);
        }
        using var gradientSession = SessionFactory.Create(gradientModel.Model, Cpu);
        var gradients = gradientSession.Run(feeds, null, wrt.Select(n => gradientModel.Gradients[n]).ToList());

        for (var k = 0; k < wrt.Count; k++)
        {
            var name = wrt[k];
            var x = values[name];
            Assert.That(gradients[k].Shape, Is.EqualTo(x.Shape), $"{c.Name}: gradient shape of {name} (seed {Seed})");
            var u = Direction(rng, x.Data.Length);
            var analytic = Dot(u, gradients[k].Data);
            double Difference(double h)
            {
                var plus = forwardSession.Run(Perturbed(values, name, u, h), null, outputs);
                var minus = forwardSession.Run(Perturbed(values, name, u, -h), null, outputs);
                double sum = 0;
                for (var o = 0; o < outputs.Count; o++)
                    for (var i = 0; i < vs[o].Length; i++) sum += ((double)plus[o].Data[i] - minus[o].Data[i]) / (2 * h) * vs[o][i];
                return sum;
            }
            // Richardson: (4·D(h/2) − D(h))/3 cancels the central difference's h² term, for ops curved enough that
            // it exceeds the tolerance at steps float32 round-off still allows (unrolled recurrent nets).
            var numeric = c.Extrapolate ? (4 * Difference(c.Step / 2) - Difference(c.Step)) / 3 : Difference(c.Step);
            var error = Math.Abs(analytic - numeric) / Math.Max(Math.Max(Math.Abs(analytic), Math.Abs(numeric)), 1e-6);
            Assert.That(error, Is.LessThan(c.Tolerance),
                $"{c.Name}, input {name}: <u, VJP(v)> = {analytic:G8}, finite difference = {numeric:G8} (seed {Seed}, stream '{c.Name}')");
        }
    }

    /// <summary>The case's node alone: differentiable inputs become graph inputs x0, x1, …; the rest initializers. A
    /// batch-first recurrent node is written sequence-first between Transposes (ONNX Runtime runs no other form)
    /// unless <paramref name="asWritten"/>.</summary>
    internal static (ModelProto Model, Dictionary<string, Tensor> Values) OneNodeModel(GradientCase c, Rng rng, bool asWritten = false)
    {
        var g = GraphBuilder.Create(c.Name.Replace(' ', '_'));
        var values = new Dictionary<string, Tensor>();
        var inputs = new List<string>();
        for (var i = 0; i < c.Inputs.Length; i++)
        {
            var spec = c.Inputs[i];
            if (spec.Absent) { inputs.Add(""); continue; }
            var name = $"x{i}";
            if (spec.Ints is { } ints)
            {
                inputs.Add(spec.Int32 ? Int32Initializer(g, name, ints, spec.Shape) : g.Int64Initializer(name, ints, spec.Shape));
                continue;
            }
            var data = new float[Tensor.Count(spec.Shape)];
            spec.Sample!(rng, data);
            if (spec.Differentiable)
            {
                inputs.Add(g.Input(name, ElementType.Float, spec.Shape));
                values[name] = new Tensor(data, spec.Shape);
            }
            else inputs.Add(g.Initializer(name, data, spec.Shape));
        }
        var outputs = Enumerable.Range(0, c.Outputs).Select(i => $"y{i}").ToArray();
        g.AddNode(c.OpType, c.OpType, inputs, outputs, c.Attributes);
        foreach (var o in c.SeededOutputs) g.Output(outputs[o], ElementType.Float);
        if (!asWritten) ModelNormalizer.RecurrentToSequenceFirst(g.Model);
        return (g.Model, values);
    }

    private static string Int32Initializer(GraphBuilder g, string name, long[] values, long[] shape)
    {
        g.Claim(name);
        var t = new TensorProto { Name = name, DataType = (int)ElementType.Int32 };
        t.Dims.AddRange(shape);
        t.Int32Data.AddRange(values.Select(v => (int)v));
        g.Graph.Initializer.Add(t);
        return name;
    }

    private static Dictionary<string, Tensor> Perturbed(Dictionary<string, Tensor> values, string name, float[] u, double h)
    {
        var x = values[name];
        var moved = new float[x.Data.Length];
        for (var i = 0; i < moved.Length; i++) moved[i] = (float)(x.Data[i] + h * u[i]);
        return new Dictionary<string, Tensor>(values) { [name] = new Tensor(moved, x.Shape) };
    }

    /// <summary>Magnitudes in [0.5, 1] with random signs: no component so small that float32 round-off swamps its
    /// finite difference, none so large that a step crosses a kink the sampler kept clear.</summary>
    private static float[] Direction(Rng rng, int length)
    {
        var u = new float[length];
        for (var i = 0; i < length; i++) u[i] = rng.NextSign() * (float)rng.Uniform(0.5, 1);
        return u;
    }

    internal static double Dot(float[] a, float[] b)
    {
        double s = 0;
        for (var i = 0; i < a.Length; i++) s += (double)a[i] * b[i];
        return s;
    }
}
