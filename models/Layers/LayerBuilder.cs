using NasiOnnx.Engine.Graphs;
using NasiOnnx.Engine.Init;

namespace NasiOnnx.Models.Layers;

/// <summary>
/// The layers NAS search spaces share (conv, BatchNorm, ReLU-Conv-BN, pooling, linear), emitted into a
/// <see cref="GraphBuilder"/> with PyTorch's layer semantics and default init. Every layer takes a scope such as
/// <c>stage0/cell1/edge_2_1</c> and names everything under it: <c>ReluConvBn("s", …)</c> emits nodes (and outputs)
/// <c>s/relu</c>, <c>s/conv</c>, <c>s/bn</c> with weights <c>s/conv/W</c>, <c>s/bn/scale</c>, <c>s/bn/bias</c>,
/// so gradients and weights can be mapped back by name. Weight names are used as given, never made unique: each
/// seeds its own random stream, and a clash is a builder bug (the graph builder throws).
/// </summary>
public sealed class LayerBuilder(GraphBuilder graph, WeightSampler sampler, BatchNormMode batchNorm)
{
    /// <summary>PyTorch's BatchNorm2d eps.</summary>
    public const float BatchNormEpsilon = 1e-5f;

    /// <summary>PyTorch's momentum 0.1 on the new statistic, in ONNX's convention (weight of the old running value).</summary>
    public const float BatchNormMomentum = 0.9f;

    /// <summary>
    /// The momentum training-mode nodes declare instead. By the ONNX spec momentum only moves the running statistics,
    /// which nothing here reads; but ONNX Runtime 1.31's CPU kernel, once any graph optimization is on, lets it leak
    /// into Y (microsoft/onnxruntime#29790; measured on a Conv→BN: momentum 0.9 gave per-channel output mean ≈ ±0.1, variance ≈ 0.85
    /// instead of 0 and 1). With momentum 1 Y is the batch-statistics normalization at every optimization level.
    /// </summary>
    public const float TrainingBatchNormMomentum = 1f;

    private string? _zero;
    private readonly HashSet<string> _constants = new(StringComparer.Ordinal);

    public GraphBuilder Graph { get; } = graph;
    public WeightSampler Sampler { get; } = sampler;
    public BatchNormMode BatchNorm { get; } = batchNorm;

    /// <summary>Conv2d without bias, weight <c>scope/W</c> of shape [out, in/groups, k, k].</summary>
    public string Conv(string scope, string x, long inChannels, long outChannels, long kernel,
        long stride = 1, long pad = 0, long dilation = 1, long groups = 1) =>
        Conv(scope, x, inChannels, outChannels, kernel, stride, [pad, pad, pad, pad], dilation, groups);

    /// <summary>Conv2d without bias and with explicit ONNX pads [top, left, bottom, right].</summary>
    public string Conv(string scope, string x, long inChannels, long outChannels, long kernel,
        long stride, long[] pads, long dilation = 1, long groups = 1)
    {
        long[] shape = [outChannels, inChannels / groups, kernel, kernel];
        var w = Graph.Initializer(scope + "/W", Sampler.Weight(scope + "/W", shape), shape);
        return Op(scope, "Conv", [x, w],
            Attr.Ints("kernel_shape", kernel, kernel),
            Attr.Ints("strides", stride, stride),
            Attr.Ints("pads", pads),
            Attr.Ints("dilations", dilation, dilation),
            Attr.Int("group", groups));
    }

    /// <summary>Depthwise Conv2d (groups = channels) without bias, as DARTS's separable and dilated convs start.</summary>
    public string DepthwiseConv(string scope, string x, long channels, long kernel, long stride, long pad, long dilation = 1) =>
        Conv(scope, x, channels, channels, kernel, stride, pad, dilation, groups: channels);

    /// <summary>
    /// BatchNorm2d with affine scale 1 and bias 0 (<c>scope/scale</c>, <c>scope/bias</c>) and running statistics
    /// mean 0, variance 1 (<c>scope/mean</c>, <c>scope/var</c>, never parameters). Training mode normalizes with the
    /// batch's statistics; ONNX Runtime then needs the node to declare its two running-statistics outputs too,
    /// which nothing reads (see <see cref="TrainingBatchNormMomentum"/> for its momentum). <paramref name="affine"/>
    /// false is PyTorch's <c>affine=False</c>: ONNX still needs a scale and bias, so they come as ones and zeros from
    /// shared <c>ConstantOfShape</c> nodes (<c>const/bn_ones_C</c>, <c>const/bn_zeros_C</c>), never initializers, so
    /// never parameters (<see cref="ParameterSet"/> counts initializers; not Constant nodes either, which
    /// <see cref="ModelNormalizer.ConstantsToInitializers"/> would turn into parameters).
    /// </summary>
    public string BatchNormalization(string scope, string x, long channels, bool affine = true)
    {
        var n = (int)channels;
        var scale = affine
            ? Graph.Initializer(scope + "/scale", WeightSampler.Constant(n, 1f), channels)
            : Filled($"const/bn_ones_{channels}", 1f, channels);
        var bias = affine
            ? Graph.Initializer(scope + "/bias", WeightSampler.Constant(n, 0f), channels)
            : Filled($"const/bn_zeros_{channels}", 0f, channels);
        var mean = Graph.Initializer(scope + "/mean", WeightSampler.Constant(n, 0f), channels);
        var variance = Graph.Initializer(scope + "/var", WeightSampler.Constant(n, 1f), channels);
        var name = Graph.UniqueName(scope);
        if (BatchNorm == BatchNormMode.Inference)
        {
            Graph.AddNode("BatchNormalization", name, [x, scale, bias, mean, variance], [name],
                Attr.Float("epsilon", BatchNormEpsilon), Attr.Float("momentum", BatchNormMomentum));
            return name;
        }
        string[] outputs = [name, Graph.UniqueName(name + "/running_mean"), Graph.UniqueName(name + "/running_var")];
        Graph.AddNode("BatchNormalization", name, [x, scale, bias, mean, variance], outputs,
            Attr.Float("epsilon", BatchNormEpsilon), Attr.Float("momentum", TrainingBatchNormMomentum), Attr.Int("training_mode", 1));
        return name;
    }

    /// <summary>ReLU → Conv (no bias) → BatchNorm, the unit of NAS-Bench-201 and DARTS: <c>scope/relu</c>, <c>scope/conv</c>, <c>scope/bn</c>.</summary>
    public string ReluConvBn(string scope, string x, long inChannels, long outChannels, long kernel,
        long stride = 1, long pad = 0, long dilation = 1, bool affine = true)
    {
        var r = Relu(scope + "/relu", x);
        var c = Conv(scope + "/conv", r, inChannels, outChannels, kernel, stride, pad, dilation);
        return BatchNormalization(scope + "/bn", c, outChannels, affine);
    }

    /// <summary>
    /// DARTS's FactorizedReduce: ReLU → two Conv 1×1 stride 2 with <paramref name="outChannels"/>/2 outputs each, the
    /// second on the input shifted by one pixel (x[:, :, 1:, 1:]) → Concat → BN (<c>scope/{relu,conv_1,shift,conv_2,concat,bn}</c>).
    /// Both halves are ⌈size/2⌉ wide: for an even <paramref name="size"/> exactly PyTorch's layer; for an odd one
    /// (where PyTorch's halves disagree and the concat fails) conv_2 pads its bottom and right by one zero.
    /// </summary>
    public string FactorizedReduce(string scope, string x, long inChannels, long outChannels, long size, bool affine = true)
    {
        if (outChannels % 2 != 0)
            throw new ArgumentException($"'{scope}': FactorizedReduce needs an even channel count, got {outChannels}.", nameof(outChannels));
        var r = Relu(scope + "/relu", x);
        var a = Conv(scope + "/conv_1", r, inChannels, outChannels / 2, kernel: 1, stride: 2);
        var shifted = Op(scope + "/shift", "Slice",
            [r, SharedInt64("const/slice_starts_1_1", 1, 1), SharedInt64("const/slice_ends_max", long.MaxValue, long.MaxValue),
             SharedInt64("const/slice_axes_hw", 2, 3)]);
        var odd = size % 2;
        var b = Conv(scope + "/conv_2", shifted, inChannels, outChannels / 2, kernel: 1, stride: 2, pads: [0, 0, odd, odd]);
        var joined = Concat(scope + "/concat", [a, b]);
        return BatchNormalization(scope + "/bn", joined, outChannels, affine);
    }

    public string Relu(string name, string x) => Op(name, "Relu", [x]);

    /// <summary>AveragePool; <paramref name="countIncludePad"/> false divides by the window's in-image cells
    /// (PyTorch's <c>count_include_pad=False</c>).</summary>
    public string AveragePool(string name, string x, long kernel, long stride, long pad, bool countIncludePad = false) =>
        Op(name, "AveragePool", [x],
            Attr.Ints("kernel_shape", kernel, kernel),
            Attr.Ints("strides", stride, stride),
            Attr.Ints("pads", pad, pad, pad, pad),
            Attr.Int("count_include_pad", countIncludePad ? 1 : 0));

    public string MaxPool(string name, string x, long kernel, long stride, long pad) =>
        Op(name, "MaxPool", [x],
            Attr.Ints("kernel_shape", kernel, kernel),
            Attr.Ints("strides", stride, stride),
            Attr.Ints("pads", pad, pad, pad, pad));

    public string GlobalAveragePool(string name, string x) => Op(name, "GlobalAveragePool", [x]);

    /// <summary>Concatenates along <paramref name="axis"/> (channels by default).</summary>
    public string Concat(string name, IReadOnlyList<string> values, long axis = 1) =>
        Op(name, "Concat", values, Attr.Int("axis", axis));

    /// <summary>Sums the values pairwise, left to right; one value is returned as is.</summary>
    public string Sum(string name, IReadOnlyList<string> values)
    {
        if (values.Count == 0) throw new ArgumentException($"'{name}': nothing to sum.", nameof(values));
        var acc = values[0];
        for (var i = 1; i < values.Count; i++) acc = Op(name, "Add", [acc, values[i]]);
        return acc;
    }

    /// <summary>
    /// Zeros shaped like <paramref name="like"/> (Mul by a scalar 0), with no parameters: works whatever the batch
    /// dimension, and a gradient through it is zero, as through PyTorch's <c>x.mul(0.)</c>.
    /// </summary>
    public string ZerosLike(string name, string like)
    {
        _zero ??= Graph.FloatConstant("const/zero", [0f]);
        return Op(name, "Mul", [like, _zero]);
    }

    /// <summary>
    /// Linear layer on [batch, in] (PyTorch's weight layout [out, in], hence Gemm with transB):
    /// <c>scope/W</c> and <c>scope/b</c>, both U(±1/√in) by default. <paramref name="outputName"/> fixes the
    /// output's name (e.g. the graph output); it must be free.
    /// </summary>
    public string Linear(string scope, string x, long inFeatures, long outFeatures, string? outputName = null)
    {
        long[] shape = [outFeatures, inFeatures];
        var w = Graph.Initializer(scope + "/W", Sampler.Weight(scope + "/W", shape), shape);
        var b = Graph.Initializer(scope + "/b", Sampler.Bias(scope + "/b", (int)outFeatures, inFeatures), outFeatures);
        var name = Graph.UniqueName(scope);
        var output = outputName ?? name;
        if (outputName is not null) Graph.Claim(outputName);
        Graph.AddNode("Gemm", name, [x, w, b], [output], Attr.Int("transB", 1));
        return output;
    }

    /// <summary>Flatten to [batch, rest].</summary>
    public string Flatten(string name, string x) => Op(name, "Flatten", [x], Attr.Int("axis", 1));

    /// <summary>
    /// A float vector of <paramref name="length"/> copies of <paramref name="value"/>, made once per name by
    /// <c>ConstantOfShape</c> from an int64 shape, so it is neither an initializer nor a Constant node.
    /// </summary>
    private string Filled(string name, float value, long length)
    {
        if (!_constants.Add(name)) return name;
        var shape = SharedInt64($"const/shape_{length}", length);
        var fill = new Onnx.TensorProto { DataType = (int)ElementType.Float };
        fill.Dims.Add(1);
        fill.FloatData.Add(value);
        Graph.Claim(name);
        Graph.AddNode("ConstantOfShape", name, [shape], [name], Attr.Tensor("value", fill));
        return name;
    }

    /// <summary>An int64 vector initializer (shapes, slice bounds, axes), made once per name.</summary>
    private string SharedInt64(string name, params long[] values)
    {
        if (_constants.Add(name)) Graph.Int64Initializer(name, values, values.Length);
        return name;
    }

    /// <summary>A node with one output, both named <paramref name="name"/> (made unique).</summary>
    public string Op(string name, string opType, IReadOnlyList<string> inputs, params Onnx.AttributeProto[] attributes)
    {
        var unique = Graph.UniqueName(name);
        Graph.AddNode(opType, unique, inputs, [unique], attributes);
        return unique;
    }
}
