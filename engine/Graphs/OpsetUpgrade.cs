using Onnx;

namespace NasiOnnx.Engine.Graphs;

/// <summary>
/// Rewrites a model exported at another default-domain opset (7–16, or 18–21) into opset 17, node by node, so the
/// gradient rules (which emit opset-17 ops into the same graph) can differentiate it. Only the ops whose signature or
/// meaning changed between the model's opset and 17 are rewritten; an op that changed in a way we do not convert,
/// or that opset 17 does not have, is refused with its name and node, never left to mean something else.
/// </summary>
public static class OpsetUpgrade
{
    public const long Target = 17;

    /// <summary>Ops whose signature is the same from opset 7 to 17 for the attributes exporters write.</summary>
    private static readonly HashSet<string> Unchanged = new(StringComparer.Ordinal)
    {
        "Conv", "ConvTranspose", "Relu", "LeakyRelu", "Sigmoid", "Tanh", "Add", "Sub", "Mul", "Div", "Sum", "Concat",
        "Flatten", "Reshape", "Transpose", "Gemm", "MatMul", "Identity", "MaxPool", "AveragePool", "GlobalAveragePool",
        "GlobalMaxPool", "Shape", "Gather", "Constant", "ConstantOfShape", "Cast", "Expand", "Exp", "Log", "Sqrt", "Neg",
        "Abs", "Pow", "Equal", "Greater", "Less", "Where", "Not", "Erf", "Cos", "Sin", "ReduceMean", "ReduceMax",
        "ReduceMin", "ReduceProd", "ReduceL2", "ReduceSumSquare", "Min", "Max", "Tile", "Range", "HardSigmoid",
        // Same meaning from their first opset to 17 (later versions only added element types): HardSwish (14), LRN.
        "HardSwish", "LRN", "Softplus", "Softsign", "Elu", "Selu", "PRelu", "Reciprocal", "Floor", "Ceil", "Round",
        "InstanceNormalization", "Mean", "Sign", "And", "Or", "Xor", "GreaterOrEqual", "LessOrEqual", "ArgMax", "ArgMin",
        "Size", "IsNaN", "IsInf", "Celu", "Einsum", "LayerNormalization",
        // Issue 25: opset 14 added 'layout', whose default 0 is the only form of opsets 7–13.
        "LSTM", "GRU", "RNN",
        // Issue 25: DepthToSpace's 'mode' (11) defaults to the DCR order of opset 1; the others only added types.
        "DepthToSpace", "SpaceToDepth", "LpNormalization", "GlobalLpPool",
    };

    /// <summary>Reductions whose axes became an input in opset 18 (ReduceSum's did in 13).</summary>
    private static readonly HashSet<string> ReducesWithAxesInput = new(StringComparer.Ordinal)
    {
        "ReduceMean", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL1", "ReduceL2", "ReduceLogSum", "ReduceLogSumExp", "ReduceSumSquare",
    };

    /// <summary>Rewrites <paramref name="model"/> in place to opset 17 when it has another; returns the opset it had.</summary>
    public static long ToOpset17(ModelProto model, string source = "model")
    {
        var builder = GraphBuilder.Extend(model);
        var opset = builder.Opset;
        if (opset > Target) return FromNewer(model, builder, opset, source);
        if (opset == Target) return opset;
        if (opset < 7) throw new GraphException($"{source}: opset {opset} is older than 7, which NasiOnnx reads");
        var graph = model.Graph;
        var nodes = graph.Node.ToList();
        graph.Node.Clear();
        foreach (var node in nodes)
        {
            if (node.Domain is not ("" or "ai.onnx") || Unchanged.Contains(node.OpType)) { graph.Node.Add(node); continue; }
            if (node.Input.Count == 0 || node.Input[0].Length == 0) throw Refuse(source, node, opset, "it has no data input");
            switch (node.OpType)
            {
                case "BatchNormalization":
                    // Opset 7–8 had 'spatial' (1 = per channel, the only form exporters write) and opset ≤ 6 'is_test'.
                    if (node.GetInt("spatial", 1) != 1) throw Refuse(source, node, opset, "spatial = 0 has no opset-17 form");
                    Remove(node, "spatial");
                    graph.Node.Add(node);
                    break;
                case "Upsample" or "Resize" when opset < 11:
                    graph.Node.Add(LegacyResize(builder, graph, node, opset, source));
                    break;
                case "Resize":
                    // 11–16 are 13's Resize (13 only made roi and scales optional) except for a mode 13 dropped.
                    if (node.GetString("coordinate_transformation_mode", "half_pixel") == "tf_half_pixel_for_nn")
                        throw Refuse(source, node, opset, "coordinate_transformation_mode 'tf_half_pixel_for_nn' has no opset-17 form");
                    graph.Node.Add(node);
                    break;
                case "Dropout":
                    // An inference-time Dropout is the identity; keep it one without the ratio attribute of opset < 12.
                    if (node.Output.Count > 1 && node.Output[1].Length > 0) throw Refuse(source, node, opset, "its mask output is used");
                    graph.Node.Add(Rebuild(node, "Identity", [node.Input[0]], []));
                    break;
                case "Split" when opset < 13:
                    graph.Node.Add(AttributeToInput(builder, node, "split", appendAt: 1, keepAllOutputs: true));
                    break;
                case "ReduceSum" when opset < 13:
                case "Squeeze" when opset < 13:
                case "Unsqueeze" when opset < 13:
                    graph.Node.Add(AttributeToInput(builder, node, "axes", appendAt: 1));
                    break;
                case "Clip" when opset < 11:
                {
                    var min = builder.FloatConstant("upgrade/clip_min", [node.GetFloat("min", float.MinValue)]);
                    var max = builder.FloatConstant("upgrade/clip_max", [node.GetFloat("max", float.MaxValue)]);
                    graph.Node.Add(Rebuild(node, "Clip", [node.Input[0], min, max], []));
                    break;
                }
                case "Pad" when opset < 11:
                {
                    var pads = builder.Int64Constant("upgrade/pads", node.GetInts("pads") ?? throw Refuse(source, node, opset, "it has no pads"));
                    var value = builder.FloatConstant("upgrade/pad_value", [node.GetFloat("value", 0)]);
                    graph.Node.Add(Rebuild(node, "Pad", [node.Input[0], pads, value], node.Attribute.Where(a => a.Name == "mode")));
                    break;
                }
                case "Slice" when opset < 10:
                {
                    var starts = builder.Int64Constant("upgrade/starts", node.GetInts("starts") ?? throw Refuse(source, node, opset, "it has no starts"));
                    var ends = builder.Int64Constant("upgrade/ends", node.GetInts("ends") ?? throw Refuse(source, node, opset, "it has no ends"));
                    List<string> inputs = [node.Input[0], starts, ends];
                    if (node.GetInts("axes") is { } axes) inputs.Add(builder.Int64Constant("upgrade/axes", axes));
                    graph.Node.Add(Rebuild(node, "Slice", inputs, []));
                    break;
                }
                case "Softmax" or "LogSoftmax" when opset < 13:
                {
                    // Before 13 the input was coerced to 2-D at 'axis' (default 1) and normalized over the flattened
                    // tail; Flatten → op(axis 1) → Reshape back to the input's shape is exactly that in opset 17.
                    // The builder appends at the end, which is this node's place: the graph is being rebuilt in order.
                    var flat = builder.Node("Flatten", [node.Input[0]], Attr.Int("axis", node.GetInt("axis", 1)));
                    var normalized = builder.Node(node.OpType, [flat], Attr.Int("axis", 1));
                    var shape = builder.Node("Shape", [node.Input[0]]);
                    graph.Node.Add(Rebuild(node, "Reshape", [normalized, shape], []));
                    break;
                }
                case "ReduceSum" or "Squeeze" or "Unsqueeze" or "Split" or "Clip" or "Pad" or "Slice" or "Softmax" or "LogSoftmax":
                    graph.Node.Add(node); // already in its opset-13+ form
                    break;
                default:
                    throw Refuse(source, node, opset, "NasiOnnx does not convert this op to opset 17; export the model at opset 17");
            }
        }
        foreach (var import in model.OpsetImport.Where(o => o.Domain is "" or "ai.onnx")) import.Version = Target;
        if (model.IrVersion < 8) model.IrVersion = 8;
        return opset;
    }

    /// <summary>
    /// Opsets 18–21 to 17 (torch 2.5+ exports at 18): Reduce* axes back to an attribute, Split's num_outputs dropped
    /// (17 splits equally without sizes), and options only the newer opsets have refused unless at their defaults.
    /// </summary>
    private static long FromNewer(ModelProto model, GraphBuilder builder, long opset, string source)
    {
        if (opset > 21) throw new GraphException($"{source}: opset {opset} is newer than 21, which NasiOnnx reads");
        var constants = model.Graph.Initializer.ToDictionary(t => t.Name, StringComparer.Ordinal);
        foreach (var node in model.Graph.Node)
        {
            if (node.Domain is not ("" or "ai.onnx")) continue;
            if (ReducesWithAxesInput.Contains(node.OpType))
            {
                if (node.GetInt("noop_with_empty_axes", 0) == 1) throw Refuse(source, node, opset, "noop_with_empty_axes has no opset-17 form");
                if (node.Input.Count > 1 && node.Input[1].Length > 0)
                {
                    if (!constants.TryGetValue(node.Input[1], out var axes)) throw Refuse(source, node, opset, "its axes are not a constant");
                    node.Attribute.Add(Attr.Ints("axes", TensorData.ReadInt64s(axes)));
                    while (node.Input.Count > 1) node.Input.RemoveAt(node.Input.Count - 1);
                }
                continue;
            }
            switch (node.OpType)
            {
                case "Split":
                    if (node.Find("num_outputs") is { } numOutputs)
                    {
                        if (node.Input.Count < 2 || node.Input[1].Length == 0) node.Attribute.Remove(numOutputs);
                        else throw Refuse(source, node, opset, "it has both sizes and num_outputs");
                    }
                    break;
                case "Resize":
                    if (node.GetInt("antialias", 0) != 0 || node.Find("axes") is not null || node.Find("keep_aspect_ratio_policy") is not null)
                        throw Refuse(source, node, opset, "antialias, axes and keep_aspect_ratio_policy have no opset-17 form");
                    break;
                case "Pad":
                    if (node.Input.Count > 3 && node.Input[3].Length > 0) throw Refuse(source, node, opset, "its axes input has no opset-17 form");
                    if (node.GetString("mode", "constant") == "wrap") throw Refuse(source, node, opset, "wrap padding has no opset-17 form");
                    break;
                case "AveragePool" when node.Find("dilations") is { } d && d.Ints.Any(v => v != 1):
                    throw Refuse(source, node, opset, "dilations have no opset-17 form");
                case "LpPool":
                    if (node.GetInt("ceil_mode", 0) != 0 || node.GetInts("dilations") is { } dilations && dilations.Any(v => v != 1))
                        throw Refuse(source, node, opset, "ceil_mode and dilations have no opset-17 form");
                    Remove(node, "ceil_mode");
                    Remove(node, "dilations");
                    break;
                case "ScatterElements" or "ScatterND" or "GroupNormalization" or "Col2Im" or "CenterCropPad" or "Gelu"
                    or "BitwiseAnd" or "BitwiseOr" or "BitwiseXor" or "BitwiseNot" or "Mish" or "DFT" or "GridSample" or "AffineGrid"
                    or "ImageDecoder" or "StringConcat" or "StringSplit" or "RegexFullMatch" or "OptionalHasElement" or "OptionalGetElement"
                    or "DeformConv" or "If" or "Loop" or "Scan" or "QuantizeLinear" or "DequantizeLinear" or "QLinearMatMul":
                    throw Refuse(source, node, opset, "NasiOnnx does not convert this op to opset 17");
            }
        }
        foreach (var import in model.OpsetImport.Where(o => o.Domain is "" or "ai.onnx")) import.Version = Target;
        return opset;
    }

    /// <summary>
    /// Upsample (7: scales attribute; 9: scales input) and Resize 10 as Resize 13: what ONNX Runtime runs for them is
    /// the asymmetric transform x / scale, with nearest indices truncated when upsampling and rounded up when
    /// downsampling (its 'simple' mode), i.e. nearest_mode floor or ceil; an axis kept (scale 1) reads the same
    /// either way, so only up- and downsampling in one node is refused.
    /// </summary>
    private static NodeProto LegacyResize(GraphBuilder builder, GraphProto graph, NodeProto node, long opset, string source)
    {
        string scales;
        float[]? values;
        if (node.GetFloats("scales") is { } attribute)
        {
            values = attribute;
            scales = builder.FloatConstant("upgrade/scales", attribute, attribute.Length);
        }
        else
        {
            if (node.Input.Count < 2 || node.Input[1].Length == 0) throw Refuse(source, node, opset, "it has no scales");
            scales = node.Input[1];
            values = graph.Initializer.FirstOrDefault(t => t.Name == scales) is { } t ? TensorData.ReadFloats(t) : null;
        }
        var mode = node.GetString("mode", "nearest");
        if (mode == "bilinear") mode = "linear";
        if (mode is not ("nearest" or "linear")) throw Refuse(source, node, opset, $"mode '{mode}'");
        List<AttributeProto> attributes = [Attr.String("mode", mode), Attr.String("coordinate_transformation_mode", "asymmetric")];
        if (mode == "nearest")
        {
            if (values is null) throw Refuse(source, node, opset, "its scales are not a constant, so its nearest rounding is unknown");
            if (values.Any(v => v < 1) && values.Any(v => v > 1)) throw Refuse(source, node, opset, "it upsamples and downsamples at once");
            attributes.Add(Attr.String("nearest_mode", values.Any(v => v < 1) ? "ceil" : "floor"));
        }
        return Rebuild(node, "Resize", [node.Input[0], "", scales], attributes);
    }

    private static NodeProto AttributeToInput(GraphBuilder builder, NodeProto node, string attribute, int appendAt, bool keepAllOutputs = false)
    {
        var values = node.GetInts(attribute);
        if (values is null) return node; // absent: the input is optional with the same default
        var inputs = node.Input.ToList();
        while (inputs.Count < appendAt) inputs.Add("");
        inputs.Insert(appendAt, builder.Int64Constant($"upgrade/{attribute}", values));
        var rebuilt = Rebuild(node, node.OpType, inputs, node.Attribute.Where(a => a.Name != attribute));
        if (keepAllOutputs)
        {
            rebuilt.Output.Clear();
            rebuilt.Output.AddRange(node.Output);
        }
        return rebuilt;
    }

    private static NodeProto Rebuild(NodeProto node, string opType, IEnumerable<string> inputs, IEnumerable<AttributeProto> attributes)
    {
        var rebuilt = new NodeProto { OpType = opType, Name = node.Name, Domain = "" };
        rebuilt.Input.AddRange(inputs);
        rebuilt.Output.AddRange(node.Output.Take(1));
        rebuilt.Attribute.AddRange(attributes);
        return rebuilt;
    }

    private static void Remove(NodeProto node, string attribute)
    {
        var a = node.Find(attribute);
        if (a is not null) node.Attribute.Remove(a);
    }

    private static GraphException Refuse(string source, NodeProto node, long opset, string why) =>
        new($"{source}: cannot upgrade {node.Describe()} from opset {opset} to {Target}: {why}");
}
