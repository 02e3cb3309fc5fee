using NasiOnnx.Engine.Autodiff;
using NasiOnnx.Engine.Graphs;
using NasiOnnx.Engine.Runtime;
using NasiOnnx.Engine.Scoring;
using Onnx;

namespace NasiOnnx.Engine.Proxies;

/// <summary>
/// The gradient model the second-order and per-channel proxies share, built once per model and run only for what
/// is asked. Its forward is the model with (1) the layer weights moved to θ₀ ± εg as initializers, one session each
/// (constants, so that ONNX Runtime's NCHWc convolutions apply: as graph inputs the same runs took 1.5× as long);
/// (2) the loss head L = CE(f, y), batch mean; (3) every Relu(x) replaced by x ⊙ [x₀ > 0], the codes of its input at
/// θ₀ fed as an input: at θ₀ this is the Relu exactly, value and gradient, and away from θ₀ it is what double backward
/// differentiates — ReLU's second derivative is zero, its kinks do not move — so finite differences of the gradient
/// give the Hessian-vector product GraSP's autograd computes, instead of jumps from the thousands of units a step of θ
/// switches on or off. It differentiates L with respect to the weight layers only (jacob_cov's input Jacobian has a
/// model of its own, <see cref="InputJacobianPass"/>: ONNX Runtime runs every node of a graph whatever the outputs
/// asked, so each gradient here costs every run), and forms in the graph, for every weight layer's output y_l,
/// Σ_positions y_l ⊙ ∂L/∂y_l as [b, C, 1, …] — Fisher's per-sample, per-channel sum — from the backward's own
/// cotangent of y_l. (It was the gradient of a ones mask multiplying y_l: the same numbers, but the mask's backward
/// saved a second copy of every layer output, 1.20 against 0.80 GB for one default-cell score.)
/// </summary>
public sealed class ProbePass
{
    private const string Labels = "probe/labels", Loss = "probe/loss";

    private readonly GradientModel _gradient;
    private readonly StaticPass _model;
    private readonly PassInputs _inputs;
    private readonly IReadOnlyList<WeightLayer> _layers;
    private readonly Dictionary<string, string> _channels; // weight → output of its Σ y ⊙ ∂L/∂y (absent: no path to the loss)
    private readonly Dictionary<string, long[]> _channelShapes; // weight → [b, C, 1, …]
    private readonly Dictionary<string, Tensor> _codes; // frozen ReLU input → its codes at θ₀
    private readonly IReadOnlyDictionary<string, Tensor> _g; // ∂L/∂W at θ₀, NASI's gradient pass
    private (Dictionary<string, Tensor> Channels, Dictionary<string, double[]> HessianGradient)? _differences;

    /// <summary>‖εg‖ / ‖W‖ of the central difference (see <see cref="HessianGradient"/>).</summary>
    public const double Step = 1e-5;

    private ProbePass(GradientModel gradient, StaticPass model, PassInputs inputs, Dictionary<string, string> channels,
        Dictionary<string, long[]> channelShapes, Dictionary<string, Tensor> codes, IReadOnlyDictionary<string, Tensor> g)
    {
        _gradient = gradient; _model = model; _inputs = inputs; _layers = model.Layers; _channels = channels; _channelShapes = channelShapes;
        _codes = codes; _g = g;
    }

    public string Provider => SessionFactory.ProviderName(_inputs.Options.Runtime);

    public static ProbePass Run(PassInputs inputs, StaticPass model, ActivationPass activations, GradientPass lossGradient)
    {
        if (model.Layers.Count == 0) throw new MetricUnavailableException("the model has no Conv, Gemm or MatMul weight");
        var copy = inputs.Model.Clone();
        var builder = GraphBuilder.Extend(copy);
        var b = inputs.Signature.InputShape[0];
        var channelShapes = new Dictionary<string, long[]>(StringComparer.Ordinal);
        var shapes = new Dictionary<string, long[]>(StringComparer.Ordinal) { [inputs.Signature.Input] = inputs.Signature.InputShape };
        foreach (var layer in model.Layers)
        {
            var output = model.Shapes.Shape(layer.Output);
            if (output.Length < 2)
            {
                var node = copy.Graph.Node.First(n => n.Output.Count > 0 && n.Output[0] == layer.Output);
                throw new MetricUnavailableException($"weight layer '{node.Name}' has a {output.Length}-D output; the per-channel sums need [batch, channels, …]");
            }
            channelShapes[layer.Weight] = [b, output[1], .. Enumerable.Repeat(1L, output.Length - 2)];
        }

        var codes = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var relu in activations.ReluInputs)
        {
            var input = "probe/relu_code/" + relu.Name;
            builder.Input(input, ElementType.Float, relu.Value.Shape);
            codes[input] = new Tensor(relu.Value.Data.Select(v => v > 0 ? 1f : 0f).ToArray(), relu.Value.Shape);
            shapes[input] = relu.Value.Shape;
            for (var i = 0; i < copy.Graph.Node.Count; i++)
            {
                var node = copy.Graph.Node[i];
                if (node.OpType != "Relu" || node.Input[0] != relu.Name) continue;
                var frozen = new NodeProto { OpType = "Mul", Name = node.Name };
                frozen.Input.AddRange([relu.Name, input]);
                frozen.Output.Add(node.Output[0]);
                copy.Graph.Node[i] = frozen;
            }
        }

        builder.Input(Labels, ElementType.Int64, b);
        builder.Claim(Loss);
        builder.AddNode("SoftmaxCrossEntropyLoss", builder.UniqueName("probe/ce"), [inputs.Signature.Output, Labels], [Loss],
            Attr.String("reduction", "mean"));
        builder.Output(Loss, ElementType.Float, []);
        shapes[Labels] = [b];

        var known = StaticShapes.For(copy, shapes, [.. shapes.Keys]);
        var wrt = model.Layers.Select(l => l.Weight).ToList();
        var options = new GradientOptions
        {
            Kernels = SessionFactory.GradientKernels(inputs.Options.Runtime),
            Cotangents = model.Layers.Select(l => l.Output).Distinct().ToList(),
        };
        var gradient = Vjp.Build(copy, [GradientSeed.Ones(Loss)], known, wrt, options);
        var extend = GraphBuilder.Extend(gradient.Model);
        var channels = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var layer in model.Layers)
        {
            if (!gradient.Cotangents!.TryGetValue(layer.Output, out var cotangent)) continue; // no path to the loss: zeros
            var shape = channelShapes[layer.Weight];
            var name = extend.UniqueName("probe/channels/" + layer.Weight);
            if (shape.Length > 2)
            {
                var product = extend.Node("Mul", [layer.Output, cotangent]);
                var axes = extend.Int64Constant("probe/axes", [.. Enumerable.Range(2, shape.Length - 2).Select(a => (long)a)]);
                extend.AddNode("ReduceSum", extend.UniqueName("probe/channel_sum"), [product, axes], [name], Attr.Int("keepdims", 1));
            }
            else
                extend.AddNode("Mul", extend.UniqueName("probe/channel_product"), [layer.Output, cotangent], [name]);
            extend.Output(name, ElementType.Float, shape);
            channels[layer.Weight] = name;
        }
        return new ProbePass(gradient, model, inputs, channels, channelShapes, codes, lossGradient.Score.Gradients);
    }

    /// <summary>Per weight layer, Fisher's g[n, k] = Σ_positions y ⊙ ∂L/∂y at θ₀ as [b, C, 1, …] (zeros for a layer with
    /// no path to the loss): the mean of the two runs at θ₀ ± εg, equal to it but for O(ε²) ≈ 10⁻¹⁰ of it, far below
    /// float32's rounding.</summary>
    public IReadOnlyDictionary<string, Tensor> ChannelGradients() => Differences().Channels;

    /// <summary>
    /// H g restricted to the weight layers, g = ∂L/∂W (from NASI's gradient pass, the same loss and batch), as GraSP's
    /// double backward through those weights gives it: the central difference of ∂L/∂W between θ₀ ± εg (g on the
    /// weights, the other parameters fixed, the ReLU codes frozen), ‖εg‖ = 10⁻⁵‖W‖: two gradient runs. The step was
    /// chosen by measurement. On the default NAS-Bench-201 cell (C = 16, N = 5, batch 64) grasp is 8.3739 at 10⁻⁵
    /// (8.3695 by the forward difference) and BatchNorm's curvature moves it to 8.3505 at 10⁻⁴ and 6.41 at 10⁻³; on
    /// the reference tests' small BN MLP float32 rounding dominates instead: 0.45 % off the float64 value at 10⁻⁵
    /// (forward: 2.3 %). Without frozen codes the differences swing between −3.5 and +2.1 as the step shrinks: kink
    /// crossings, not curvature.
    /// </summary>
    public IReadOnlyDictionary<string, double[]> HessianGradient() => Differences().HessianGradient;

    private (Dictionary<string, Tensor> Channels, Dictionary<string, double[]> HessianGradient) Differences()
    {
        if (_differences is { } known) return known;
        double gNorm = 0, wNorm = 0;
        foreach (var l in _layers)
        {
            gNorm += Metrics.NasiScorer.SumOfSquares(_g[l.Weight].Data);
            wNorm += Metrics.NasiScorer.SumOfSquares(_model.Values(l.Weight));
        }
        var sums = _channels.Values.ToList();
        var weights = _layers.Select(l => l.Weight).ToList();
        var gradients = weights.Select(w => _gradient.Gradients[w]).Distinct().ToList();
        var hg = new Dictionary<string, double[]>(StringComparer.Ordinal);
        Tensor Zeros(string weight) => Tensor.Zeros(_channelShapes[weight]);
        if (gNorm == 0)
        {
            var at = RunAt(0, sums);
            foreach (var l in _layers) hg[l.Weight] = new double[_model.Values(l.Weight).Length];
            return (_differences = (_layers.ToDictionary(l => l.Weight,
                l => _channels.TryGetValue(l.Weight, out var c) ? at[c] : Zeros(l.Weight), StringComparer.Ordinal), hg)).Value;
        }
        var eps = Step * Math.Sqrt(wNorm) / Math.Sqrt(gNorm);
        var plus = RunAt(eps, [.. gradients, .. sums]);
        var minus = RunAt(-eps, [.. gradients, .. sums]);
        foreach (var w in weights)
        {
            var (p, m) = (plus[_gradient.Gradients[w]].Data, minus[_gradient.Gradients[w]].Data);
            var d = new double[p.Length];
            for (var i = 0; i < p.Length; i++) d[i] = ((double)p[i] - m[i]) / (2 * eps);
            hg[w] = d;
        }
        var channels = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var l in _layers)
        {
            if (!_channels.TryGetValue(l.Weight, out var c))
            {
                channels[l.Weight] = Zeros(l.Weight);
                continue;
            }
            var (p, m) = (plus[c], minus[c]);
            var mean = new float[p.Data.Length];
            for (var i = 0; i < mean.Length; i++) mean[i] = (float)(0.5 * ((double)p.Data[i] + m.Data[i]));
            channels[l.Weight] = new Tensor(mean, p.Shape);
        }
        return (_differences = (channels, hg)).Value;
    }

    /// <summary>The outputs <paramref name="wanted"/> with the weight layers at θ₀ + <paramref name="step"/> · g, in a
    /// session of their own (the weights stay initializers).</summary>
    private Dictionary<string, Tensor> RunAt(double step, IReadOnlyList<string> wanted)
    {
        _inputs.CancellationToken.ThrowIfCancellationRequested();
        var moved = _gradient.Model.Clone();
        var weights = _layers.Select(l => l.Weight).ToHashSet(StringComparer.Ordinal);
        var initializers = moved.Graph.Initializer.Where(t => weights.Contains(t.Name)).ToList();
        if (initializers.Count != weights.Count || weights.Any(w => !_g.ContainsKey(w)))
            throw new MetricUnavailableException("a weight layer's weight is not an initializer of the model (no gradient to step along)");
        foreach (var initializer in initializers)
        {
            var data = _model.Values(initializer.Name).ToArray();
            var grad = _g[initializer.Name].Data;
            for (var i = 0; i < data.Length; i++) data[i] = (float)(data[i] + step * grad[i]);
            TensorData.WriteFloats(initializer, data);
        }
        using var session = SessionFactory.Create(moved, _inputs.Options.Runtime);
        var feeds = new Dictionary<string, Tensor>(StringComparer.Ordinal) { [_inputs.Signature.Input] = _inputs.Batch.Inputs };
        foreach (var (input, code) in _codes) feeds[input] = code;
        var results = session.Run(feeds, new Dictionary<string, long[]> { [Labels] = _inputs.Batch.Labels }, wanted);
        return wanted.Select((w, i) => (w, results[i])).ToDictionary(x => x.w, x => x.Item2, StringComparer.Ordinal);
    }
}
