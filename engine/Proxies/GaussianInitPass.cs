using NasiOnnx.Engine.Graphs;
using NasiOnnx.Engine.Init;
using NasiOnnx.Engine.Runtime;
using NasiOnnx.Engine.Scoring;
using Onnx;

namespace NasiOnnx.Engine.Proxies;

/// <summary>
/// The forward-only proxies that redraw the weights first, as Zen-NAS's and SWAP's <c>network_weight_gaussian_init</c>
/// does: every weight-layer weight N(0, 1), their biases 0, every BatchNorm scale 1 and bias 0 (seeded per tensor).
/// <list type="bullet">
/// <item>Zen-NAS (Lin et al., ICCV 2021; idstcv/ZenNAS <c>compute_zen_score.py</c>, batch 16): the feature map before
/// the global average pool for x and for x + 0.01·ε (ε Gaussian), Δ = mean_n Σ |f(x) − f(x + 0.01ε)|, and
/// zen = log Δ + Σ_BN log √(mean_c running_var), where running_var is what PyTorch's BatchNorm (momentum 0.1, from 1)
/// holds after those two forward passes: 0.81 + 0.09·v₁ + 0.1·v₂, v the unbiased batch variance of each channel.</item>
/// <item>SWAP (Peng et al., ICLR 2024; pym1024/SWAP <c>correlation.py</c>, 16 samples): every ReLU output's sign as a
/// pattern across the samples, and the number of distinct patterns over all neurons.</item>
/// </list>
/// Both read the first 16 samples of the batch (x above), so SWAP's patterns come from Zen-NAS's first forward pass:
/// two forward passes of 16 samples in all.
/// </summary>
public sealed class GaussianInitPass
{
    /// <summary>Zen-NAS's and SWAP's batch: <c>--batch_size 16</c> and <c>--input_samples 16</c> in their reference scripts.</summary>
    public const int Samples = 16;

    /// <summary>Zen-NAS's mixup γ.</summary>
    public const float MixupGamma = 0.01f;

    private readonly double? _zen;
    private readonly string? _zenMissing;
    private readonly double? _swap;
    private readonly string? _swapMissing;

    private GaussianInitPass(double? zen, string? zenMissing, double? swap, string? swapMissing, string provider)
    {
        _zen = zen; _zenMissing = zenMissing; _swap = swap; _swapMissing = swapMissing; Provider = provider;
    }

    public string Provider { get; }

    public double Zen => _zen ?? throw new MetricUnavailableException(_zenMissing!);

    /// <summary>SWAP's Ψ: distinct activation patterns of the ReLU neurons over the samples.</summary>
    public double Swap => _swap ?? throw new MetricUnavailableException(_swapMissing!);

    public static GaussianInitPass Run(PassInputs inputs, StaticPass model)
    {
        var redrawn = Redrawn(inputs.Model, model, inputs.Options.Seed);
        var graph = redrawn.Graph;
        var shapes = model.Shapes;
        var produced = graph.Node.SelectMany(n => n.Output).ToHashSet(StringComparer.Ordinal);
        bool FourD(string v) => produced.Contains(v) && shapes.IsFloat(v) && shapes.Shape(v).Length == 4;

        var taps = new ActivationTaps(redrawn);
        var preGap = PreGlobalPool(graph, shapes);
        // One entry per BatchNormalization node (each has its running_var), fetched once per distinct value.
        var bnInputs = graph.Node.Where(n => n.OpType == "BatchNormalization" && FourD(n.Input[0])).Select(n => taps.Whole(n.Input[0])).ToList();
        var bnFetch = bnInputs.Distinct().ToList();
        var reluTaps = graph.Node.Where(n => n.OpType == "Relu" && FourD(n.Input[0])).Select(n => taps.Whole(n.Input[0])).Distinct().ToList();
        if (preGap is not null) taps.Whole(preGap);

        using var session = SessionFactory.Create(taps.Model, inputs.Options.Runtime);
        var input = inputs.Signature.Input;
        var n = (int)Math.Min(Samples, inputs.Batch.Inputs.Shape[0]);
        long[] shape = [n, .. inputs.Batch.Inputs.Shape[1..]];
        var x = new Tensor(inputs.Batch.Inputs.Data[..(int)Tensor.Count(shape)], shape);
        List<string> fetch = [.. reluTaps, .. bnFetch];
        if (preGap is not null) fetch.Add(preGap);
        var distinct = fetch.Distinct().ToList();
        var a = distinct.Count == 0 ? [] : session.Run(new Dictionary<string, Tensor> { [input] = x }, null, distinct);
        Tensor From(Tensor[] r, string name) => r[distinct.IndexOf(name)];

        double? swap = null;
        string? swapMissing = null;
        if (reluTaps.Count == 0) swapMissing = "the model has no Relu on a 4-D value";
        else swap = Patterns.DistinctNeuronPatterns(reluTaps.Select(t => From(a, t)), n);

        double? zen = null;
        string? zenMissing = null;
        if (preGap is null) zenMissing = "the model has no global average pool (GlobalAveragePool, or ReduceMean over the spatial axes) before its output";
        else
        {
            var noise = Tensor.Zeros(shape);
            Rng.For(inputs.Options.Seed, "zen/mixup").FillGaussian(noise.Data);
            var mixed = new Tensor(x.Data.Select((v, i) => v + MixupGamma * noise.Data[i]).ToArray(), shape);
            List<string> second = [preGap, .. bnFetch];
            var b = session.Run(new Dictionary<string, Tensor> { [input] = mixed }, null, second.Distinct().ToList());
            var secondDistinct = second.Distinct().ToList();
            zen = ZenScore(From(a, preGap), b[secondDistinct.IndexOf(preGap)],
                bnInputs.Select(name => From(a, name)).ToList(), bnInputs.Select(name => b[secondDistinct.IndexOf(name)]).ToList());
        }
        return new GaussianInitPass(zen, zenMissing, swap, swapMissing, session.Provider);
    }

    /// <summary>log Δ + Σ_BN log √(mean_c (0.81 + 0.09·v₁ + 0.1·v₂)).</summary>
    public static double ZenScore(Tensor output, Tensor mixedOutput, IReadOnlyList<Tensor> bnInputs, IReadOnlyList<Tensor> mixedBnInputs)
    {
        var b = (int)output.Shape[0];
        double delta = 0;
        for (var i = 0; i < output.Data.Length; i++) delta += Math.Abs((double)output.Data[i] - mixedOutput.Data[i]);
        delta /= b;
        double scaling = 0;
        for (var k = 0; k < bnInputs.Count; k++)
        {
            var v1 = ChannelVariances(bnInputs[k]);
            var v2 = ChannelVariances(mixedBnInputs[k]);
            var mean = v1.Select((v, c) => 0.81 + 0.09 * v + 0.1 * v2[c]).Average();
            scaling += Math.Log(Math.Sqrt(mean));
        }
        return Math.Log(delta) + scaling;
    }

    /// <summary>Each channel's unbiased variance over (n, h, w) of a [b, C, H, W] tensor, as BatchNorm's running_var takes it.</summary>
    public static double[] ChannelVariances(Tensor t)
    {
        int b = (int)t.Shape[0], c = (int)t.Shape[1], hw = t.Data.Length / (b * c);
        var result = new double[c];
        for (var ch = 0; ch < c; ch++)
        {
            double sum = 0, squares = 0;
            for (var n = 0; n < b; n++)
                for (var i = 0; i < hw; i++)
                {
                    double v = t.Data[(n * c + ch) * hw + i];
                    sum += v;
                    squares += v * v;
                }
            var count = (double)b * hw;
            var mean = sum / count;
            result[ch] = (squares - count * mean * mean) / (count - 1);
        }
        return result;
    }

    /// <summary>The input of the last GlobalAveragePool (or ReduceMean over axes 2 and 3) in graph order; null if none.</summary>
    public static string? PreGlobalPool(GraphProto graph, Autodiff.StaticShapes shapes)
    {
        string? found = null;
        foreach (var node in graph.Node)
        {
            if (node.OpType == "GlobalAveragePool") found = node.Input[0];
            else if (node.OpType == "ReduceMean" && shapes.Contains(node.Input[0]) && shapes.Shape(node.Input[0]).Length == 4)
            {
                var axes = node.GetInts("axes")?.Select(a => a < 0 ? a + 4 : a).Order().ToArray();
                if (axes is [2, 3]) found = node.Input[0];
            }
        }
        return found;
    }

    /// <summary>A copy with the weight layers' weights N(0, 1), their biases 0, BatchNorm scales 1 and biases 0.</summary>
    public static ModelProto Redrawn(ModelProto model, StaticPass pass, ulong seed)
    {
        var copy = model.Clone();
        var values = new Dictionary<string, float[]>(StringComparer.Ordinal);
        foreach (var layer in pass.Layers)
        {
            var w = new float[pass.Values(layer.Weight).Length];
            Rng.For(seed, "gaussian-init/" + layer.Weight).FillGaussian(w);
            values[layer.Weight] = w;
            if (layer.Node.OpType is "Conv" or "Gemm" && layer.Node.Input.Count > 2 && layer.Node.Input[2].Length > 0)
                values[layer.Node.Input[2]] = new float[pass.Values(layer.Node.Input[2]).Length];
        }
        var parameters = pass.Parameters.Names.ToHashSet(StringComparer.Ordinal);
        foreach (var bn in copy.Graph.Node.Where(n => n.OpType == "BatchNormalization"))
        {
            if (parameters.Contains(bn.Input[1])) values[bn.Input[1]] = Enumerable.Repeat(1f, pass.Values(bn.Input[1]).Length).ToArray();
            if (parameters.Contains(bn.Input[2])) values[bn.Input[2]] = new float[pass.Values(bn.Input[2]).Length];
        }
        foreach (var t in copy.Graph.Initializer)
            if (values.TryGetValue(t.Name, out var v)) TensorData.WriteFloats(t, v);
        return copy;
    }
}
