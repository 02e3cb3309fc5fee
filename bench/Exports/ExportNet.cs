using NasiOnnx.Engine.Autodiff;
using NasiOnnx.Engine.Graphs;
using NasiOnnx.Engine.Init;
using Onnx;

namespace NasiOnnx.Bench.Exports;

/// <summary>
/// Writes a classifier the way an exporter lays it out at a given opset: a current value <see cref="X"/> that each
/// layer replaces, weights as initializers (He-scaled Gaussians from one seed), and each op in the form its opset
/// has (Unsqueeze/Squeeze/ReduceMean/Split axes as attributes or inputs, Clip's bounds, Pad's pads, BatchNorm's
/// 'spatial' before opset 9). Shapes come from running the graph so far (<see cref="Shape"/>).
/// </summary>
public sealed class ExportNet
{
    private readonly Rng _rng;
    private readonly string _input;
    private readonly long[] _inputShape;

    public ExportNet(string name, long opset, string input, long[] inputShape, ulong seed)
    {
        G = GraphBuilder.Create(name, opset);
        Opset = opset;
        _rng = new Rng(seed);
        _input = input;
        _inputShape = inputShape;
        X = G.Input(input, ElementType.Float, inputShape);
    }

    public GraphBuilder G { get; }
    public long Opset { get; }

    /// <summary>The value the next layer reads.</summary>
    public string X { get; set; }

    public long Batch => _inputShape[0];

    /// <summary>The shape of <paramref name="value"/> at the input's declared shape, from a run of the graph so far.</summary>
    public long[] Shape(string? value = null)
    {
        if ((value ?? X) == _input) return _inputShape;
        var probe = G.Model.Clone();
        probe.Graph.Output.Clear();
        return StaticShapes.Probe(probe, new Dictionary<string, long[]> { [_input] = _inputShape }).Shape(value ?? X);
    }

    public string Weights(string name, double std, params long[] dims)
    {
        var w = new float[Tensor.Count(dims)];
        _rng.FillGaussian(w, 0, std);
        return G.FloatConstant(name, w, dims);
    }

    public string Floats(string name, float[] values, params long[] dims) => G.FloatConstant(name, values, dims);

    public string Ints(string name, params long[] values) => G.Int64Constant(name, values);

    private int _scalars;

    /// <summary>An int64 scalar initializer (Gather's index).</summary>
    public string IntScalar(string prefix, long value) => G.Int64Initializer($"{prefix}_{_scalars++}", [value]);

    public ExportNet Op(string op, params AttributeProto[] attributes) => Apply(op, [X], attributes);

    public ExportNet Apply(string op, IReadOnlyList<string> inputs, params AttributeProto[] attributes)
    {
        X = G.Node(op, inputs, attributes);
        return this;
    }

    public ExportNet Conv(int outChannels, int kernel, int stride = 1, int? pad = null, int group = 1, bool bias = true, int spatial = 2)
    {
        var inChannels = Shape()[1];
        var p = pad ?? kernel / 2;
        long[] k = [.. Enumerable.Repeat((long)kernel, spatial)];
        var w = Weights("conv.weight", Math.Sqrt(2.0 / (inChannels / group * Math.Pow(kernel, spatial))), [outChannels, inChannels / group, .. k]);
        List<string> inputs = [X, w];
        if (bias) inputs.Add(Weights("conv.bias", 0.05, outChannels));
        return Apply("Conv", inputs, Attr.Ints("kernel_shape", k), Attr.Ints("strides", [.. Enumerable.Repeat((long)stride, spatial)]),
            Attr.Ints("pads", [.. Enumerable.Repeat((long)p, 2 * spatial)]), Attr.Int("group", group));
    }

    /// <summary>BatchNormalization with running statistics, as every eval-mode export has it.</summary>
    public ExportNet Bn()
    {
        var c = Shape()[1];
        var scale = G.FloatConstant("bn.weight", [.. Enumerable.Range(0, (int)c).Select(i => 1f + 0.1f * (float)Math.Sin(i))], c);
        var shift = Weights("bn.bias", 0.05, c);
        var mean = Weights("bn.running_mean", 0.1, c);
        var variance = G.FloatConstant("bn.running_var", [.. Enumerable.Range(0, (int)c).Select(i => 1f + 0.2f * (float)Math.Abs(Math.Cos(i)))], c);
        return Opset < 9
            ? Apply("BatchNormalization", [X, scale, shift, mean, variance], Attr.Float("epsilon", 1e-5f), Attr.Int("spatial", 1))
            : Apply("BatchNormalization", [X, scale, shift, mean, variance], Attr.Float("epsilon", 1e-5f), Attr.Float("momentum", 0.9f));
    }

    public ExportNet Relu() => Op("Relu");

    /// <summary>ReLU6 as exporters write it: Clip with attributes before opset 11, with inputs after.</summary>
    public ExportNet Relu6() => Opset < 11
        ? Op("Clip", Attr.Float("min", 0), Attr.Float("max", 6))
        : Apply("Clip", [X, G.FloatConstant("clip.min", [0f]), G.FloatConstant("clip.max", [6f])]);

    public ExportNet Swish()
    {
        var x = X;
        return Op("Sigmoid").Apply("Mul", [x, X]);
    }

    public ExportNet MaxPool(int kernel, int stride, int pad = 0, int spatial = 2) => Op("MaxPool",
        Attr.Ints("kernel_shape", [.. Enumerable.Repeat((long)kernel, spatial)]), Attr.Ints("strides", [.. Enumerable.Repeat((long)stride, spatial)]),
        Attr.Ints("pads", [.. Enumerable.Repeat((long)pad, 2 * spatial)]));

    public ExportNet AvgPool(int kernel, int stride, int pad = 0) => Op("AveragePool",
        Attr.Ints("kernel_shape", kernel, kernel), Attr.Ints("strides", stride, stride), Attr.Ints("pads", pad, pad, pad, pad));

    public ExportNet Gap() => Op("GlobalAveragePool");

    public ExportNet Flatten() => Op("Flatten", Attr.Int("axis", 1));

    /// <summary>Reshape to a constant shape (an exporter's folded <c>x.view(...)</c>).</summary>
    public ExportNet Reshape(params long[] shape) => Apply("Reshape", [X, Ints("shape", shape)]);

    /// <summary>Reshape to [batch read at run time, -1], as exports without constant folding compute it.</summary>
    public ExportNet ReshapeByShapeChain(bool constantNodes = false)
    {
        var shape = G.Node("Shape", [X]);
        var index = constantNodes ? IntConstantNode(0, scalar: true) : IntScalar("gather_index", 0);
        var n = G.Node("Gather", [shape, index], Attr.Int("axis", 0));
        var rest = constantNodes ? IntConstantNode(-1) : Ints("minus_one", -1);
        var vector = Unsqueeze(n, 0);
        return Apply("Reshape", [X, G.Node("Concat", [vector, rest], Attr.Int("axis", 0))]);
    }

    private string IntConstantNode(long value, bool scalar = false)
    {
        var t = new TensorProto { DataType = (int)ElementType.Int64 };
        if (!scalar) t.Dims.Add(1);
        t.Int64Data.Add(value);
        return G.Node("Constant", [], Attr.Tensor("value", t));
    }

    public string Unsqueeze(string x, params long[] axes) => Opset < 13
        ? G.Node("Unsqueeze", [x], Attr.Ints("axes", axes))
        : G.Node("Unsqueeze", [x, Ints("axes", axes)]);

    public ExportNet Squeeze(params long[] axes)
    {
        X = Opset < 13 ? G.Node("Squeeze", [X], Attr.Ints("axes", axes)) : G.Node("Squeeze", [X, Ints("axes", axes)]);
        return this;
    }

    public ExportNet ReduceMean(long[] axes, bool keepDims)
    {
        X = Opset < 18
            ? G.Node("ReduceMean", [X], Attr.Ints("axes", axes), Attr.Int("keepdims", keepDims ? 1 : 0))
            : G.Node("ReduceMean", [X, Ints("axes", axes)], Attr.Int("keepdims", keepDims ? 1 : 0));
        return this;
    }

    public ExportNet Transpose(params long[] perm) => Op("Transpose", Attr.Ints("perm", perm));

    /// <summary>An inference Dropout as older exporters left it in the graph.</summary>
    public ExportNet Dropout() => Opset < 12 ? Op("Dropout", Attr.Float("ratio", 0.5f)) : Op("Dropout");

    public ExportNet Gemm(int outputs)
    {
        var inputs = Shape()[^1];
        var w = Weights("fc.weight", Math.Sqrt(1.0 / inputs), outputs, inputs);
        return Apply("Gemm", [X, w, Weights("fc.bias", 0.05, outputs)], Attr.Int("transB", 1));
    }

    /// <summary>Dense as TensorFlow exports it: MatMul with [in, out] weights, then Add.</summary>
    public ExportNet MatMulAdd(int outputs)
    {
        var inputs = Shape()[^1];
        Apply("MatMul", [X, Weights("dense.kernel", Math.Sqrt(1.0 / inputs), inputs, outputs)]);
        return Apply("Add", [X, Weights("dense.bias", 0.05, outputs)]);
    }

    public ExportNet Softmax(string op = "Softmax") => Op(op, Attr.Int("axis", Opset < 13 ? 1 : -1));

    /// <summary>Splits <see cref="X"/> along the channels into equal parts.</summary>
    public string[] SplitChannels(int parts)
    {
        var c = Shape()[1];
        var sizes = Enumerable.Repeat(c / parts, parts).ToArray();
        return Opset < 13
            ? G.NodeN("Split", [X], parts, Attr.Int("axis", 1), Attr.Ints("split", sizes))
            : G.NodeN("Split", [X, Ints("split", sizes)], parts, Attr.Int("axis", 1));
    }

    /// <summary>Declares <see cref="X"/> as the logits output, [batch, classes].</summary>
    public ModelProto Output()
    {
        G.Output(X, ElementType.Float, Shape());
        return G.Model;
    }
}
