using Onnx;

namespace NasiOnnx.Engine.Graphs;

/// <summary>
/// Rewrites a model exported at an older default-domain opset (7–16) into opset 17, node by node, so the gradient
/// rules (which emit opset-17 ops into the same graph) can differentiate it. Only the ops whose signature or meaning
/// changed between the model's opset and 17 are rewritten; an op that changed in a way we do not convert is refused
/// with its name and node, never left to mean something else.
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
    };

    /// <summary>Upgrades <paramref name="model"/> in place when its opset is below 17; returns the opset it had.</summary>
    public static long ToOpset17(ModelProto model, string source = "model")
    {
        var builder = GraphBuilder.Extend(model);
        var opset = builder.Opset;
        if (opset >= Target) return opset;
        if (opset < 7) throw new GraphException($"{source}: opset {opset} is older than 7, which NasiOnnx reads");
        var graph = model.Graph;
        var nodes = graph.Node.ToList();
        graph.Node.Clear();
        foreach (var node in nodes)
        {
            if (node.Domain is not ("" or "ai.onnx") || Unchanged.Contains(node.OpType)) { graph.Node.Add(node); continue; }
            switch (node.OpType)
            {
                case "BatchNormalization":
                    // Opset 7–8 had 'spatial' (1 = per channel, the only form exporters write) and opset ≤ 6 'is_test'.
                    if (node.GetInt("spatial", 1) != 1) throw Refuse(source, node, opset, "spatial = 0 has no opset-17 form");
                    Remove(node, "spatial");
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
                    var starts = builder.Int64Constant("upgrade/starts", node.GetInts("starts")!);
                    var ends = builder.Int64Constant("upgrade/ends", node.GetInts("ends")!);
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
