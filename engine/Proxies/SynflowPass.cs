using NasiOnnx.Engine.Autodiff;
using NasiOnnx.Engine.Graphs;
using NasiOnnx.Engine.Runtime;
using NasiOnnx.Engine.Scoring;
using Onnx;

namespace NasiOnnx.Engine.Proxies;

/// <summary>
/// SynFlow's own pass (Tanaka et al., NeurIPS 2020; zero-cost-nas <c>synflow.py</c>, measure <c>synflow</c> with
/// <c>bn=False</c>): every parameter replaced by its absolute value, every BatchNormalization by the identity, one
/// all-ones input, R = Σ f(1), and ∂R/∂W for the weight layers. The reference runs it in float64; ONNX Runtime has
/// no float64 convolutions on the CPU, so it runs in float32, rescaled where R would overflow (see <see cref="Run"/>),
/// and refuses (n/a) rather than report an overflowed value.
/// </summary>
public sealed class SynflowPass
{
    private SynflowPass(double score, int exponent, string provider)
    {
        _score = score;
        Exponent = exponent;
        Provider = provider;
    }

    private readonly double _score;

    /// <summary>0, or e where the input and the cotangent were scaled by 2^-e to stay within float32.</summary>
    public int Exponent { get; }

    public string Provider { get; }

    /// <summary>synflow = Σ_layers Σ |W| ⊙ ∂R/∂W, summed in double.</summary>
    public double Score() => double.IsFinite(_score) ? _score
        : throw new MetricUnavailableException("synflow overflows double on this model");

    public static SynflowPass Run(PassInputs inputs, StaticPass model)
    {
        var layers = model.Layers;
        if (layers.Count == 0) throw new MetricUnavailableException("the model has no Conv, Gemm or MatMul weight");
        var linear = Linearized(inputs.Model);
        long[] shape = [1, .. inputs.Signature.SampleShape];
        var output = inputs.Signature.Output;
        var gradient = Vjp.Build(linear, [GradientSeed.FromInput(output)],
            new Dictionary<string, long[]> { [inputs.Signature.Input] = shape }, layers.Select(l => l.Weight).ToList());
        using var session = SessionFactory.Create(gradient.Model, inputs.Options.Runtime);
        var names = layers.Select(l => gradient.Gradients[l.Weight]).ToList();
        var outputShape = model.Shapes.Shape(output); // batch 1, as this pass runs

        // ∂R/∂W at input s·1 and cotangent t·1: with |θ| and no BatchNorm every activation is ≥ 0, so each ReLU is the
        // identity and, when only the output layer has a bias, ∂R/∂W scales exactly by s·t. Where R overflows float32
        // at s = t = 1, scaling both down by the same power of two keeps the forward and backward values in range.
        Tensor[] At(int exponent)
        {
            var scale = MathF.ScaleB(1f, -exponent);
            var ones = new Tensor(Enumerable.Repeat(scale, (int)Tensor.Count(shape)).ToArray(), shape);
            var seed = new Tensor(Enumerable.Repeat(scale, (int)Tensor.Count(outputShape)).ToArray(), outputShape);
            return session.Run(new Dictionary<string, Tensor> { [inputs.Signature.Input] = ones, [gradient.SeedInputs[output]] = seed }, null, names);
        }
        var exponent = 0;
        var results = At(0);
        while (!results.All(r => r.Data.All(float.IsFinite)))
        {
            exponent += 16;
            if (exponent > MaxExponent)
                throw new MetricUnavailableException("synflow overflows float32 on this model even scaled by 2^-" + MaxExponent + " (the reference computes it in float64)");
            results = At(exponent);
        }
        var weights = layers.ToDictionary(l => l.Weight, l => model.Values(l.Weight).Select(Math.Abs).ToArray(), StringComparer.Ordinal);
        var gradients = layers.Select((l, i) => (l.Weight, results[i])).ToDictionary(x => x.Weight, x => x.Item2, StringComparer.Ordinal);
        var score = Sum(weights, gradients);
        if (exponent > 0)
        {
            // The scaling is exact only for a positively homogeneous network: check it on a second scale, 2^8 apart.
            var rescaled = At(exponent + 4);
            var finer = Sum(weights, layers.Select((l, i) => (l.Weight, rescaled[i])).ToDictionary(x => x.Weight, x => x.Item2, StringComparer.Ordinal));
            if (!(Math.Abs(finer * 256 / score - 1) < 1e-3))
                throw new MetricUnavailableException("synflow overflows float32 on this model and its biases make the exact rescaling fail (the reference computes it in float64)");
            score = Math.ScaleB(score, 2 * exponent);
        }
        return new SynflowPass(score, exponent, session.Provider);
    }

    /// <summary>Beyond this, the scaled input underflows: 2^-112 is near float32's smallest normal number.</summary>
    public const int MaxExponent = 112;

    private static double Sum(Dictionary<string, float[]> weights, Dictionary<string, Tensor> gradients)
    {
        double total = 0;
        foreach (var (name, w) in weights)
        {
            var g = gradients[name].Data;
            for (var i = 0; i < w.Length; i++) total += (double)w[i] * g[i];
        }
        return total;
    }

    /// <summary>A copy with |θ| for every float initializer and each BatchNormalization replaced by an Identity
    /// of its input (zero-cost-nas's <c>no_op</c> forward for <c>bn=False</c>).</summary>
    public static ModelProto Linearized(ModelProto model)
    {
        var copy = model.Clone();
        foreach (var t in copy.Graph.Initializer)
            if (t.DataType == (int)ElementType.Float)
                TensorData.WriteFloats(t, TensorData.ReadFloats(t).Select(Math.Abs).ToArray());
        var graph = copy.Graph;
        var read = graph.Node.SelectMany(n => n.Input).Concat(graph.Output.Select(o => o.Name)).ToHashSet(StringComparer.Ordinal);
        for (var i = 0; i < graph.Node.Count; i++)
        {
            var node = graph.Node[i];
            if (node.OpType != "BatchNormalization") continue;
            if (node.Output.Skip(1).Any(o => o.Length > 0 && read.Contains(o)))
                throw new MetricUnavailableException($"BatchNormalization '{node.Name}' has its running statistics read downstream; it cannot be made the identity");
            var identity = new NodeProto { OpType = "Identity", Name = node.Name };
            identity.Input.Add(node.Input[0]);
            identity.Output.Add(node.Output[0]);
            graph.Node[i] = identity;
        }
        return copy;
    }
}
