using NasiOnnx.Engine.Autodiff;
using NasiOnnx.Engine.Graphs;
using NasiOnnx.Engine.Ntk;
using NasiOnnx.Engine.Runtime;
using NasiOnnx.Engine.Scoring;
using Onnx;

namespace NasiOnnx.Engine.Proxies;

/// <summary>
/// The gradient model the second-order and per-channel proxies share, built once per model and run only for what
/// is asked. Its forward is the model with (1) the parameters as graph inputs, so θ can be moved; (2) a ones mask
/// m_l of shape [b, C, 1, …] multiplying the output y_l of every weight layer, so that ∂L/∂m_l[n, k] =
/// Σ_positions y_l ⊙ ∂L/∂y_l — Fisher's per-sample, per-channel sum — while y_l·1 leaves every value unchanged;
/// (3) the loss head L = α·CE(f, y) + Σ u ⊙ f with α and u inputs, so one graph gives both ∇L of the cross-entropy
/// (α = 1, u = 0) and the gradient of Σ f (α = 0, u = 1); (4) every Relu(x) replaced by x ⊙ [x₀ > 0], the codes of
/// its input at θ₀ fed as an input: at θ₀ this is the Relu exactly, value and gradient, and away from θ₀ it is what
/// double backward differentiates — ReLU's second derivative is zero, its kinks do not move — so finite differences of
/// the gradient give the Hessian-vector product GraSP's autograd computes, instead of jumps from the thousands of
/// units a step of θ switches on or off. It differentiates L with respect to θ, the masks and x.
/// </summary>
public sealed class ProbePass : IDisposable
{
    private const string Alpha = "probe/alpha", Cotangent = "probe/u", Labels = "probe/labels", Loss = "probe/loss";

    private readonly Session _session;
    private readonly GradientModel _gradient;
    private readonly ParameterizedModel _lifted;
    private readonly PassInputs _inputs;
    private readonly IReadOnlyList<WeightLayer> _layers;
    private readonly Dictionary<string, string> _masks; // weight → mask input
    private readonly Dictionary<string, long[]> _maskShapes;
    private readonly Dictionary<string, Tensor> _codes; // frozen ReLU input → its codes at θ₀
    private Dictionary<string, Tensor>? _ce;
    private Tensor? _inputJacobian;
    private Dictionary<string, double[]>? _hessianGradient, _centralHessianGradient;

    private ProbePass(Session session, GradientModel gradient, ParameterizedModel lifted, PassInputs inputs,
        IReadOnlyList<WeightLayer> layers, Dictionary<string, string> masks, Dictionary<string, long[]> maskShapes, Dictionary<string, Tensor> codes)
    {
        _session = session; _gradient = gradient; _lifted = lifted; _inputs = inputs; _layers = layers; _masks = masks; _maskShapes = maskShapes;
        _codes = codes;
    }

    public string Provider => _session.Provider;

    public static ProbePass Run(PassInputs inputs, StaticPass model, ActivationPass activations)
    {
        if (model.Layers.Count == 0) throw new MetricUnavailableException("the model has no Conv, Gemm or MatMul weight");
        var lifted = ParameterizedModel.Of(inputs.Model);
        var copy = lifted.Model.Clone();
        var builder = GraphBuilder.Extend(copy);
        var b = inputs.Signature.InputShape[0];
        var masks = new Dictionary<string, string>(StringComparer.Ordinal);
        var maskShapes = new Dictionary<string, long[]>(StringComparer.Ordinal);
        var shapes = new Dictionary<string, long[]>(StringComparer.Ordinal) { [lifted.DataInput] = inputs.Signature.InputShape };
        foreach (var layer in model.Layers)
        {
            var node = copy.Graph.Node.First(n => n.Output.Count > 0 && n.Output[0] == layer.Output);
            var output = model.Shapes.Shape(layer.Output);
            if (output.Length < 2)
                throw new MetricUnavailableException($"weight layer '{node.Name}' has a {output.Length}-D output; the per-channel masks need [batch, channels, …]");
            long[] shape = [b, output[1], .. Enumerable.Repeat(1L, output.Length - 2)];
            var mask = builder.Input("probe/mask/" + layer.Weight, ElementType.Float, shape);
            var unmasked = builder.UniqueName(layer.Output + "/unmasked");
            node.Output[0] = unmasked;
            builder.AddNode("Mul", builder.UniqueName("probe/mask_mul"), [unmasked, mask], [layer.Output]);
            masks[layer.Weight] = mask;
            maskShapes[layer.Weight] = shape;
            shapes[mask] = shape;
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

        var logits = inputs.Signature.Output;
        var n = inputs.Signature.Classes;
        builder.Input(Labels, ElementType.Int64, b);
        builder.Input(Alpha, ElementType.Float);
        builder.Input(Cotangent, ElementType.Float, b, n);
        var rank = model.Shapes.Shape(logits).Length;
        var ce = builder.NodeN("SoftmaxCrossEntropyLoss", [logits, Labels], 2, Attr.String("reduction", "mean"))[0];
        var sum = builder.Node("ReduceSum", [builder.Node("Mul", [logits, Cotangent]), builder.Int64Constant("probe/axes", [.. Enumerable.Range(0, rank).Select(a => (long)a)])],
            Attr.Int("keepdims", 0));
        builder.Claim(Loss);
        builder.AddNode("Add", builder.UniqueName("probe/loss_add"), [builder.Node("Mul", [ce, Alpha]), sum], [Loss]);
        builder.Output(Loss, ElementType.Float, []);
        shapes[Labels] = [b];
        shapes[Alpha] = [];
        shapes[Cotangent] = [b, n];

        var batchInputs = shapes.Keys.Where(k => k != Alpha).ToList();
        var probed = StaticShapes.ProbeScaled(copy, shapes, batchInputs);
        var wrt = lifted.Parameters.Select(p => p.Name).Concat(masks.Values).Append(lifted.DataInput).ToList();
        var gradient = Vjp.Build(copy, [GradientSeed.Ones(Loss)], probed, wrt);
        var session = SessionFactory.Create(gradient.Model, inputs.Options.Runtime);
        return new ProbePass(session, gradient, lifted, inputs, model.Layers, masks, maskShapes, codes);
    }

    /// <summary>∂L/∂W (weight layers) and ∂L/∂m (masks) of the batch-mean cross-entropy at θ₀.</summary>
    public IReadOnlyDictionary<string, Tensor> CrossEntropyGradients() =>
        _ce ??= RunAt(ParameterValues(null), alpha: 1, u: 0,
            _layers.Select(l => l.Weight).Concat(_layers.Select(l => _masks[l.Weight])).ToList());

    /// <summary>Per weight layer, Fisher's g[n, k] = ∂L/∂m[n, k] as [b, C].</summary>
    public IReadOnlyDictionary<string, Tensor> ChannelGradients() =>
        _layers.ToDictionary(l => l.Weight, l => CrossEntropyGradients()[_masks[l.Weight]]);

    /// <summary>∂(Σ f)/∂x: every sample's input gradient, the batch coupled through BatchNorm as in the forward.</summary>
    public Tensor InputJacobian() =>
        _inputJacobian ??= RunAt(ParameterValues(null), alpha: 0, u: 1, [_lifted.DataInput])[_lifted.DataInput];

    /// <summary>
    /// H g restricted to the weight layers, g = ∂L/∂W, as GraSP's double backward through those weights gives it:
    /// the forward difference of ∂L/∂W from θ₀ to θ₀ + εg (g on the weights, the other parameters fixed, the ReLU codes
    /// frozen), ‖εg‖ = 10⁻⁵‖W‖: one gradient run. <paramref name="central"/> takes θ₀ ± εg (two runs). Measured on the
    /// default NAS-Bench-201 cell (C = 16, N = 5, batch 64): grasp 8.3734 forward, 8.3744 central at 10⁻⁵; 8.3723 and
    /// 8.3718 at 3·10⁻⁶; at 10⁻⁴ BatchNorm's curvature already moves it by 0.3 %. Without frozen codes the same
    /// differences swing between −3.5 and +2.1 as the step shrinks: kink crossings, not curvature.
    /// </summary>
    public IReadOnlyDictionary<string, double[]> HessianGradient(bool central = false)
    {
        if ((central ? _centralHessianGradient : _hessianGradient) is { } known) return known;
        var g = CrossEntropyGradients();
        double gNorm = 0, wNorm = 0;
        foreach (var l in _layers)
        {
            gNorm += Metrics.NasiScorer.SumOfSquares(g[l.Weight].Data);
            wNorm += Metrics.NasiScorer.SumOfSquares(Initial(l.Weight));
        }
        var result = new Dictionary<string, double[]>(StringComparer.Ordinal);
        if (gNorm == 0)
        {
            foreach (var l in _layers) result[l.Weight] = new double[Initial(l.Weight).Length];
            return result;
        }
        var eps = 1e-5 * Math.Sqrt(wNorm) / Math.Sqrt(gNorm);
        var weights = _layers.Select(l => l.Weight).ToList();
        var plus = RunAt(ParameterValues(eps), 1, 0, weights);
        var minus = central ? RunAt(ParameterValues(-eps), 1, 0, weights) : null;
        foreach (var l in _layers)
        {
            var p = plus[l.Weight].Data;
            var m = minus?[l.Weight].Data ?? g[l.Weight].Data;
            var hg = new double[p.Length];
            var width = central ? 2 * eps : eps;
            for (var i = 0; i < p.Length; i++) hg[i] = ((double)p[i] - m[i]) / width;
            result[l.Weight] = hg;
        }
        return central ? _centralHessianGradient = result : _hessianGradient = result;
    }

    /// <summary>θ₀ per parameter; with <paramref name="step"/>, the weight layers moved by step · ∂L/∂W.</summary>
    private Dictionary<string, Tensor> ParameterValues(double? step)
    {
        var values = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        var g = step is null ? null : CrossEntropyGradients();
        foreach (var slot in _lifted.Parameters)
        {
            var data = Initial(slot.Name).ToArray();
            if (g is not null && g.TryGetValue(slot.Name, out var grad) && _layers.Any(l => l.Weight == slot.Name))
                for (var i = 0; i < data.Length; i++) data[i] = (float)(data[i] + step!.Value * grad.Data[i]);
            values[slot.Name] = new Tensor(data, slot.Dims);
        }
        return values;
    }

    private ReadOnlySpan<float> Initial(string name)
    {
        var slot = _lifted.Parameters.First(p => p.Name == name);
        return _lifted.InitialValues.Span.Slice(slot.Offset, slot.Length);
    }

    private Dictionary<string, Tensor> RunAt(Dictionary<string, Tensor> parameters, float alpha, float u, IReadOnlyList<string> wanted)
    {
        _inputs.CancellationToken.ThrowIfCancellationRequested();
        var b = (int)_inputs.Signature.InputShape[0];
        var n = _inputs.Signature.Classes;
        var feeds = new Dictionary<string, Tensor>(parameters, StringComparer.Ordinal)
        {
            [_lifted.DataInput] = _inputs.Batch.Inputs,
            [Alpha] = new Tensor([alpha], []),
            [Cotangent] = new Tensor(Enumerable.Repeat(u, b * n).ToArray(), [b, n]),
        };
        foreach (var (weight, mask) in _masks)
            feeds[mask] = new Tensor(Enumerable.Repeat(1f, (int)Tensor.Count(_maskShapes[weight])).ToArray(), _maskShapes[weight]);
        foreach (var (input, code) in _codes) feeds[input] = code;
        var outputs = wanted.Select(w => _gradient.Gradients[w]).ToList();
        var results = _session.Run(feeds, new Dictionary<string, long[]> { [Labels] = _inputs.Batch.Labels }, outputs);
        return wanted.Select((w, i) => (w, results[i])).ToDictionary(x => x.w, x => x.Item2, StringComparer.Ordinal);
    }

    public void Dispose() => _session.Dispose();
}
