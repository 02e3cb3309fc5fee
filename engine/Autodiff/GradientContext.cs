using NasiOnnx.Engine.Graphs;
using Onnx;

namespace NasiOnnx.Engine.Autodiff;

/// <summary>
/// What a <see cref="GradientRule"/> sees besides its node: the static shapes and types of forward values, which
/// inputs need a gradient, constant values, and a builder for the nodes it emits. Shared helpers
/// (un-broadcasting, reductions, constants) live here so that rules stay a few lines each.
/// </summary>
public sealed class GradientContext
{
    private readonly HashSet<string> _needed;
    private readonly Dictionary<string, TensorProto> _initializers;
    private readonly Dictionary<string, TensorProto> _constantNodes;
    private readonly Dictionary<string, string> _int64Constants = new(StringComparer.Ordinal);
    private readonly Dictionary<float, string> _scalars = new();
    private readonly Dictionary<string, float> _scalarValues = new(StringComparer.Ordinal);
    private readonly Dictionary<(float, long), string> _filled = new();
    private readonly Dictionary<string, long[]> _intValues = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long[]> _declared = new(StringComparer.Ordinal);

    internal GradientContext(GraphBuilder builder, StaticShapes shapes, HashSet<string> needed, GradientOptions? options = null)
    {
        Builder = builder;
        Shapes = shapes;
        Options = options ?? GradientOptions.Default;
        _needed = needed;
        _initializers = builder.Graph.Initializer.ToDictionary(t => t.Name, StringComparer.Ordinal);
        _constantNodes = new Dictionary<string, TensorProto>(StringComparer.Ordinal);
        foreach (var n in builder.Graph.Node)
            if (n.OpType == "Constant" && n.Find("value") is { T: { } t })
                _constantNodes[n.Output[0]] = t;
    }

    public GraphBuilder Builder { get; }

    public StaticShapes Shapes { get; }

    public long Opset => Builder.Opset;

    public GradientOptions Options { get; }

    /// <summary>Whether rules may emit the fused kernels of <see cref="Kernels.GradientKernels"/>.</summary>
    public GradientKernelMode Kernels => Options.Kernels;

    /// <summary>The data and dims of a float initializer whose value the caller promised to keep
    /// (<see cref="GradientOptions.ConstantWeights"/>); null otherwise.</summary>
    public (float[] Data, long[] Dims)? ConstantWeight(string value)
    {
        if (!Options.ConstantWeights || !_initializers.TryGetValue(value, out var t) || t.DataType != (int)ElementType.Float) return null;
        return (TensorData.ReadFloats(t), t.Dims.ToArray());
    }

    /// <summary>
    /// A node of a fused gradient kernel (<see cref="Kernels.GradientKernels.Domain"/>), importing its domain. Its
    /// outputs' shapes are declared: ONNX Runtime cannot infer a custom op's, and without them the shapes of everything
    /// downstream are unknown to its NCHWc pass, which then cannot fuse an Add of two convs' outputs into the second.
    /// </summary>
    public string[] Fused(string opType, IReadOnlyList<string> inputs, long[][] outputShapes, params AttributeProto[] attributes)
    {
        var model = Builder.Model;
        if (model.OpsetImport.All(o => o.Domain != Autodiff.Kernels.GradientKernels.Domain))
            model.OpsetImport.Add(new OperatorSetIdProto { Domain = Autodiff.Kernels.GradientKernels.Domain, Version = 1 });
        var name = Builder.UniqueName(opType);
        var outputs = outputShapes.Select((_, i) => Builder.UniqueName($"{name}_out{i}")).ToArray();
        Builder.AddNode(opType, name, inputs, outputs, attributes).Domain = Autodiff.Kernels.GradientKernels.Domain;
        for (var i = 0; i < outputs.Length; i++)
            model.Graph.ValueInfo.Add(GraphBuilder.ValueInfo(outputs[i], ElementType.Float, outputShapes[i]));
        return outputs;
    }

    public long[] Shape(string value) => _declared.TryGetValue(value, out var s) ? s : Shapes.Shape(value);

    /// <summary>
    /// Declares the static shape of a forward value a rule recomputes (the unrolled steps of a recurrent node), so that
    /// the rules it then runs over those nodes can read it; <paramref name="needed"/> marks it as carrying a gradient.
    /// The declarations live in this context only: the caller's <see cref="StaticShapes"/> stays the model's.
    /// </summary>
    internal void Declare(string value, long[] shape, bool needed)
    {
        _declared[value] = shape;
        if (needed) _needed.Add(value);
    }

    /// <summary>True when <paramref name="value"/> lies on a path from a differentiated tensor: only then is its
    /// gradient worth emitting (e.g. a first Conv needs no input gradient).</summary>
    public bool Needs(string value) => value.Length > 0 && _needed.Contains(value);

    /// <summary>Whether the node's input <paramref name="index"/> exists and needs a gradient.</summary>
    public bool Needs(NodeProto node, int index) => index < node.Input.Count && Needs(node.Input[index]);

    /// <summary>A node, except that a Mul of two scalars made by <see cref="Scalar"/> is folded into one here: left to
    /// ONNX Runtime's constant folding, every graph change costs a graph resolve while each session is made.</summary>
    public string Node(string opType, IReadOnlyList<string> inputs, params AttributeProto[] attributes)
    {
        if (opType == "Mul" && inputs.Count == 2 && attributes.Length == 0
            && _scalarValues.TryGetValue(inputs[0], out var a) && _scalarValues.TryGetValue(inputs[1], out var b))
            return Scalar(a * b);
        return Builder.Node(opType, inputs, attributes);
    }

    /// <summary>A 1-D int64 constant, shared between rules that ask for the same values.</summary>
    public string Ints(params long[] values)
    {
        var key = string.Join(",", values);
        if (!_int64Constants.TryGetValue(key, out var name))
        {
            _int64Constants[key] = name = Builder.Int64Constant("grad_const", values);
            _intValues[name] = values;
        }
        return name;
    }

    /// <summary>A float scalar constant (shape []), which broadcasts against anything; shared like <see cref="Ints"/>.</summary>
    public string Scalar(float value)
    {
        if (!_scalars.TryGetValue(value, out var name))
        {
            _scalars[value] = name = Builder.FloatConstant("grad_scalar", [value]);
            _scalarValues[name] = value;
        }
        return name;
    }

    public string Zeros(long[] shape) => Node("ConstantOfShape", [Ints(shape)]);

    public string Reshape(string value, long[] shape) => Node("Reshape", [value, Ints(shape)]);

    public string ReduceSum(string value, long[] axes, bool keepDims) =>
        Node("ReduceSum", [value, Ints(axes)], Attr.Int("keepdims", keepDims ? 1 : 0));

    /// <summary>ReduceMean, whose axes moved from an attribute to an input in opset 18.</summary>
    public string ReduceMean(string value, long[] axes, bool keepDims) =>
        Opset >= 18
            ? Node("ReduceMean", [value, Ints(axes)], Attr.Int("keepdims", keepDims ? 1 : 0))
            : Node("ReduceMean", [value], Attr.Ints("axes", axes), Attr.Int("keepdims", keepDims ? 1 : 0));

    /// <summary>
    /// scale·value + bias per channel (axis 1), in one pass: an inference-mode BatchNormalization with mean 0,
    /// variance 1 and epsilon 0 is exactly that affine map, where Mul then Add would read and write the tensor twice.
    /// <paramref name="scale"/> and <paramref name="bias"/> are [C] vectors.
    /// </summary>
    public string ChannelAffine(string value, string scale, string bias, long channels) =>
        Node("BatchNormalization", [value, scale, bias, Constant(0f, channels), Constant(1f, channels)], Attr.Float("epsilon", 0f));

    /// <summary>A [n] float constant filled with <paramref name="value"/>, shared like <see cref="Ints"/>.</summary>
    public string Constant(float value, long n)
    {
        if (!_filled.TryGetValue((value, n), out var name))
            _filled[(value, n)] = name = Builder.FloatConstant("grad_fill", Enumerable.Repeat(value, (int)n).ToArray(), n);
        return name;
    }

    /// <summary>
    /// The one un-broadcasting helper: sums <paramref name="gradient"/> (of shape <paramref name="gradientShape"/>)
    /// over the axes that numpy-style broadcasting added or stretched to reach it from
    /// <paramref name="targetShape"/>, then reshapes to the target. A no-op when the shapes agree.
    /// </summary>
    public string Unbroadcast(string gradient, long[] gradientShape, long[] targetShape)
    {
        if (gradientShape.SequenceEqual(targetShape)) return gradient;
        var lead = gradientShape.Length - targetShape.Length;
        if (lead < 0)
            throw new GraphException($"Cannot un-broadcast a gradient of shape [{string.Join(",", gradientShape)}] to the larger rank of [{string.Join(",", targetShape)}].");
        var axes = new List<long>();
        for (var i = 0; i < gradientShape.Length; i++)
            if (i < lead || (targetShape[i - lead] == 1 && gradientShape[i] != 1)) axes.Add(i);
        var reduced = axes.Count > 0 ? ReduceSum(gradient, axes.ToArray(), keepDims: true) : gradient;
        var reducedShape = gradientShape.Select((d, i) => axes.Contains(i) ? 1 : d).ToArray();
        return reducedShape.SequenceEqual(targetShape) ? reduced : Reshape(reduced, targetShape);
    }

    /// <summary>The values of an int64/int32 constant (initializer or Constant node), or null when not constant.</summary>
    public long[]? ConstantInts(string value)
    {
        if (value.Length == 0) return null;
        if (_initializers.TryGetValue(value, out var t) || _constantNodes.TryGetValue(value, out t))
            return TensorData.ReadInt64s(t);
        return _intValues.GetValueOrDefault(value); // one of Ints' own, which a rule's emitted nodes may read
    }

    /// <summary>The values of a float constant (initializer or Constant node), or null when not constant.</summary>
    public float[]? ConstantFloats(string value)
    {
        if (value.Length == 0) return null;
        if (_initializers.TryGetValue(value, out var t) || _constantNodes.TryGetValue(value, out t))
            return t.DataType == (int)ElementType.Float ? TensorData.ReadFloats(t) : null;
        return null;
    }

    /// <summary>The value of a scalar bool constant input, or null when absent or not constant.</summary>
    public bool? ConstantBool(string value)
    {
        if (value.Length == 0) return null;
        if (!_initializers.TryGetValue(value, out var t) && !_constantNodes.TryGetValue(value, out t)) return null;
        if (t.DataType != (int)ElementType.Bool) return null;
        if (!t.RawData.IsEmpty) return t.RawData[0] != 0;
        return t.Int32Data.Count == 1 ? t.Int32Data[0] != 0 : null;
    }

    /// <summary>The float value of a scalar constant input, or null when absent or not constant.</summary>
    public float? ConstantFloat(string value)
    {
        if (value.Length == 0) return null;
        if (_initializers.TryGetValue(value, out var t) || _constantNodes.TryGetValue(value, out t))
            return TensorData.ReadFloats(t) is [var f] ? f : null;
        return null;
    }

    /// <summary>An error naming the node and op, for attribute values a rule does not handle.</summary>
    public static GraphException Unsupported(NodeProto node, string why) =>
        new($"Cannot differentiate {node.Describe()}: {why}.");
}
