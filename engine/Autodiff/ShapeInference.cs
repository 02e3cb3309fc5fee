using NasiOnnx.Engine.Autodiff.Rules;
using NasiOnnx.Engine.Graphs;
using Onnx;

namespace NasiOnnx.Engine.Autodiff;

/// <summary>
/// Static shapes by ONNX's shape rules (opset 13–17 semantics, the attribute forms of 18+ where they differ),
/// node by node in topological order, for the ops the gradient rules handle and the ops around them in ordinary
/// exports. Small int64 tensors (shapes, axes, Shape → Gather → Concat chains) are propagated by value, so a
/// Reshape whose target shape is computed in the graph still resolves. An op without a rule here, or an attribute
/// setting a rule does not cover, makes <see cref="TryInfer"/> return null naming it, and the caller probes with
/// ONNX Runtime instead: inference is a fast path, never a second opinion that could disagree silently (tests
/// compare it with the probe on every model they build).
/// </summary>
internal static class ShapeInference
{
    /// <summary>A value's static type and shape, and its elements when it is a small int64 constant.</summary>
    private sealed record Info(ElementType Type, long[] Shape, long[]? Value = null, float[]? Floats = null);

    private delegate Info[]? Rule(NodeProto node, Info?[] inputs, Func<string, Info?> lookup);

    /// <summary>Int64 tensors with at most this many elements are tracked by value.</summary>
    private const int ValueLimit = 64;

    public static (Dictionary<string, long[]> Shapes, Dictionary<string, ElementType> Types)? TryInfer(
        ModelProto model, IReadOnlyDictionary<string, long[]> inputShapes, out string why)
    {
        var graph = model.Graph;
        var known = new Dictionary<string, Info>(StringComparer.Ordinal);
        foreach (var t in graph.Initializer)
        {
            var type = (ElementType)t.DataType;
            long[]? value = type == ElementType.Int64 && Tensor.Count(t.Dims) <= ValueLimit ? TensorData.ReadInt64s(t) : null;
            float[]? floats = type == ElementType.Float && Tensor.Count(t.Dims) <= ValueLimit && t.Dims.Count == 1 ? TensorData.ReadFloats(t) : null; // Resize's scales
            known[t.Name] = new Info(type, t.Dims.ToArray(), value, floats);
        }
        foreach (var input in graph.Input)
        {
            if (known.ContainsKey(input.Name)) continue;
            var type = (ElementType)(input.Type?.TensorType?.ElemType ?? 0);
            if (inputShapes.TryGetValue(input.Name, out var given)) known[input.Name] = new Info(type, given);
            else if (input.Type?.TensorType?.Shape?.Dim is { } dims && dims.All(d => d.HasDimValue))
                known[input.Name] = new Info(type, dims.Select(d => d.DimValue).ToArray());
            else
            {
                why = $"graph input '{input.Name}' has no static shape";
                return null;
            }
        }

        Info? Lookup(string name) => name.Length > 0 && known.TryGetValue(name, out var i) ? i : null;
        foreach (var node in Vjp.TopologicalOrder(graph))
        {
            if (node.Domain == Kernels.GradientKernels.Domain)
            {
                var x = Lookup(node.Input[0]);
                if (x is null || node.Input.Skip(1).Any(i => Lookup(i) is null))
                {
                    why = $"{node.Describe()}: an input has no known shape";
                    return null;
                }
                if (node.OpType == Kernels.GradientKernels.ConvWeightGrad)
                {
                    known[node.Output[0]] = new Info(x.Type, [Lookup(node.Input[1])!.Shape[1], x.Shape[1], .. node.GetInts("kernel_shape") ?? []]);
                    continue;
                }
                if (node.OpType == Kernels.GradientKernels.Im2Col)
                {
                    var kernel = node.GetInts("kernel_shape") ?? [];
                    var output = node.GetInts("output_shape") ?? [];
                    known[node.Output[0]] = new Info(x.Type, [x.Shape[1] * Tensor.Count(kernel), x.Shape[0] * Tensor.Count(output)]);
                    continue;
                }
                known[node.Output[0]] = x with { Value = null, Floats = null }; // BatchNormalizationGrad's dX, ReluGrad's dX
                for (var k = 1; k < node.Output.Count; k++) known[node.Output[k]] = new Info(x.Type, [x.Shape[1]]); // dScale, dBias
                continue;
            }
            if (node.Domain is { Length: > 0 } domain && domain != "ai.onnx")
            {
                why = $"{node.Describe()} is in domain '{domain}'";
                return null;
            }
            if (!Rules.TryGetValue(node.OpType, out var rule))
            {
                why = $"no shape rule for {node.OpType}";
                return null;
            }
            var inputs = node.Input.Select(Lookup).ToArray();
            if (node.Input.Where((n, i) => n.Length > 0 && inputs[i] is null).FirstOrDefault() is { } missing)
            {
                why = $"{node.Describe()}: input '{missing}' has no known shape";
                return null;
            }
            Info[]? outputs;
            try
            {
                outputs = rule(node, inputs, Lookup);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                outputs = null; // malformed for this rule (a missing attribute, mismatched shapes): let ONNX Runtime say what is wrong
            }
            if (outputs is null)
            {
                why = $"{node.Describe()}: not covered by the shape rule for {node.OpType}";
                return null;
            }
            for (var i = 0; i < node.Output.Count && i < outputs.Length; i++)
                if (node.Output[i].Length > 0) known[node.Output[i]] = outputs[i];
            if (node.Output.Where((o, i) => o.Length > 0 && i >= outputs.Length).Any())
            {
                why = $"{node.Describe()}: more outputs than the shape rule for {node.OpType} knows";
                return null;
            }
        }
        why = "";
        return (known.ToDictionary(kv => kv.Key, kv => kv.Value.Shape, StringComparer.Ordinal),
            known.ToDictionary(kv => kv.Key, kv => kv.Value.Type, StringComparer.Ordinal));
    }

    private static readonly Dictionary<string, Rule> Rules = BuildRules();

    private static Dictionary<string, Rule> BuildRules()
    {
        var rules = new Dictionary<string, Rule>(StringComparer.Ordinal);
        foreach (var op in new[]
                 {
                     "Relu", "LeakyRelu", "Sigmoid", "Tanh", "Exp", "Log", "Neg", "Abs", "Sqrt", "Reciprocal", "Sign", "Identity",
                     "Clip", "Softmax", "LogSoftmax", "Elu", "Selu", "HardSigmoid", "HardSwish", "Softplus", "Erf", "Floor", "Ceil",
                     "Round", "Not", "Gelu", "PRelu", "LRN",
                 })
            rules[op] = (n, i, _) => [i[0]! with { Value = n.OpType == "Identity" ? i[0]!.Value : null, Floats = n.OpType == "Identity" ? i[0]!.Floats : null }];
        rules["Dropout"] = (n, i, _) => [i[0]! with { Value = null, Floats = null }, new Info(ElementType.Bool, i[0]!.Shape)];
        rules["ScatterElements"] = (n, i, _) => [i[0]! with { Value = null, Floats = null }];
        rules["GatherElements"] = (n, i, _) => [new Info(i[0]!.Type, i[1]!.Shape)]; // the indices' shape, the data's type
        rules["Cast"] = (n, i, _) => [new Info((ElementType)n.GetInt("to", 0), i[0]!.Shape,
            (ElementType)n.GetInt("to", 0) == ElementType.Int64 ? i[0]!.Value : null)];
        foreach (var op in new[] { "Add", "Sub", "Mul", "Div", "Pow", "Max", "Min", "Sum", "Mean" })
            rules[op] = (n, i, _) => [new Info(i[0]!.Type, Broadcast(i.Select(x => x!.Shape)), IntArithmetic(n.OpType, i))];
        foreach (var op in new[] { "Greater", "Less", "Equal", "GreaterOrEqual", "LessOrEqual", "And", "Or", "Xor" })
            rules[op] = (n, i, _) => [new Info(ElementType.Bool, Broadcast(i.Select(x => x!.Shape)))];
        rules["Where"] = (n, i, _) => [new Info(i[1]!.Type, Broadcast(i.Select(x => x!.Shape)))];
        rules["Conv"] = Conv;
        rules["Resize"] = Resize;
        rules["ConvTranspose"] = ConvTranspose;
        rules["MaxPool"] = Pool;
        rules["AveragePool"] = Pool;
        rules["LpPool"] = Pool;
        rules["GlobalAveragePool"] = GlobalPool;
        rules["GlobalMaxPool"] = GlobalPool;
        rules["GlobalLpPool"] = GlobalPool;
        rules["LpNormalization"] = (n, i, _) => [i[0]! with { Value = null, Floats = null }];
        rules["DepthToSpace"] = (n, i, _) => i[0]!.Shape is [var b, var c, var h, var w] && n.GetInt("blocksize", 0) is > 0 and var k
            ? [new Info(i[0]!.Type, [b, c / (k * k), h * k, w * k])] : null;
        rules["SpaceToDepth"] = (n, i, _) => i[0]!.Shape is [var b, var c, var h, var w] && n.GetInt("blocksize", 0) is > 0 and var k
            ? [new Info(i[0]!.Type, [b, c * k * k, h / k, w / k])] : null;
        rules["BatchNormalization"] = (n, i, _) =>
        {
            var stats = new Info(i[0]!.Type, [i[0]!.Shape[1]]);
            return [i[0]! with { Value = null, Floats = null }, stats, stats];
        };
        rules["InstanceNormalization"] = (n, i, _) => [i[0]! with { Value = null, Floats = null }];
        rules["LayerNormalization"] = (n, i, _) => n.Output.Count > 1 ? null : [i[0]! with { Value = null, Floats = null }];
        rules["Gemm"] = Gemm;
        foreach (var op in new[] { "LSTM", "GRU", "RNN" }) rules[op] = Recurrent; // issue 25
        rules["MatMul"] = MatMul;
        rules["Flatten"] = Flatten;
        rules["Reshape"] = Reshape;
        rules["Squeeze"] = Squeeze;
        rules["Unsqueeze"] = Unsqueeze;
        rules["Transpose"] = Transpose;
        rules["Concat"] = Concat;
        rules["Split"] = Split;
        rules["Slice"] = Slice;
        rules["Pad"] = Pad;
        foreach (var op in new[] { "ReduceSum", "ReduceMean", "ReduceSumSquare", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL2", "ReduceL1", "ReduceLogSumExp" })
            rules[op] = Reduce;
        rules["ArgMax"] = ArgReduce;
        rules["ArgMin"] = ArgReduce;
        rules["Expand"] = (n, i, _) => i[1]?.Value is { } shape ? [new Info(i[0]!.Type, Broadcast([i[0]!.Shape, shape]))] : null;
        rules["Tile"] = (n, i, _) => i[1]?.Value is { } repeats && repeats.Length == i[0]!.Shape.Length
            ? [new Info(i[0]!.Type, i[0]!.Shape.Select((d, k) => d * repeats[k]).ToArray())]
            : null;
        rules["Shape"] = ShapeOf;
        rules["Size"] = (n, i, _) => [new Info(ElementType.Int64, [], [Tensor.Count(i[0]!.Shape)])];
        rules["Constant"] = Constant;
        rules["ConstantOfShape"] = ConstantOfShape;
        rules["Gather"] = Gather;
        rules["OneHot"] = OneHot;
        rules["SoftmaxCrossEntropyLoss"] = SoftmaxCrossEntropyLoss;
        return rules;
    }

    // ---- broadcasting and small int arithmetic -------------------------------------------------------------

    private static long[] Broadcast(IEnumerable<long[]> shapes)
    {
        var list = shapes.ToList();
        var rank = list.Max(s => s.Length);
        var result = new long[rank];
        for (var d = 0; d < rank; d++)
        {
            long size = 1;
            foreach (var s in list)
            {
                var k = d - (rank - s.Length);
                if (k < 0 || s[k] == 1) continue;
                if (size != 1 && size != s[k]) throw new ArgumentException($"shapes do not broadcast at axis {d}");
                size = s[k];
            }
            result[d] = size;
        }
        return result;
    }

    /// <summary>Add/Sub/Mul/Div of int64 values known elementwise (a scalar broadcasts), as shape arithmetic needs.</summary>
    private static long[]? IntArithmetic(string op, Info?[] inputs)
    {
        if (inputs.Length != 2 || inputs.Any(i => i?.Value is null || i.Type != ElementType.Int64)) return null;
        var (a, b) = (inputs[0]!.Value!, inputs[1]!.Value!);
        var n = Math.Max(a.Length, b.Length);
        if ((a.Length != n && a.Length != 1) || (b.Length != n && b.Length != 1)) return null;
        var result = new long[n];
        for (var k = 0; k < n; k++)
        {
            var (x, y) = (a[a.Length == 1 ? 0 : k], b[b.Length == 1 ? 0 : k]);
            result[k] = op switch
            {
                "Add" => x + y,
                "Sub" => x - y,
                "Mul" => x * y,
                "Div" when y != 0 => x / y,
                _ => throw new InvalidOperationException(),
            };
        }
        return result;
    }

    // ---- convolution and pooling ----------------------------------------------------------------------------

    private static Info[]? Conv(NodeProto n, Info?[] i, Func<string, Info?> _)
    {
        var (x, w) = (i[0]!.Shape, i[1]!.Shape);
        var kernel = n.GetInts("kernel_shape") ?? w[2..];
        var spatial = Windows(n, x[2..], kernel);
        return spatial is null ? null : [new Info(i[0]!.Type, [x[0], w[0], .. spatial])];
    }

    private static Info[]? ConvTranspose(NodeProto n, Info?[] i, Func<string, Info?> _)
    {
        var (x, w) = (i[0]!.Shape, i[1]!.Shape);
        var rank = x.Length - 2;
        var channels = w[1] * n.GetInt("group", 1);
        if (n.GetInts("output_shape") is { } given)
            return [new Info(i[0]!.Type, [x[0], channels, .. given[^rank..]])];
        var autoPad = n.GetString("auto_pad", "NOTSET");
        if (autoPad is "SAME_UPPER" or "SAME_LOWER") // ONNX: the input's extent times the stride, pads split to fit
            return [new Info(i[0]!.Type, [x[0], channels, .. x[2..].Select((e, d) => e * (n.GetInts("strides")?[d] ?? 1))])];
        if (autoPad is not ("NOTSET" or "VALID")) return null;
        var kernel = n.GetInts("kernel_shape") ?? w[2..];
        var strides = n.GetInts("strides") ?? Ones(rank);
        var dilations = n.GetInts("dilations") ?? Ones(rank);
        var pads = autoPad == "VALID" ? new long[2 * rank] : n.GetInts("pads") ?? new long[2 * rank];
        var outputPadding = n.GetInts("output_padding") ?? new long[rank];
        var spatial = new long[rank];
        for (var d = 0; d < rank; d++)
            spatial[d] = strides[d] * (x[2 + d] - 1) + outputPadding[d] + (kernel[d] - 1) * dilations[d] + 1 - pads[d] - pads[rank + d];
        return [new Info(i[0]!.Type, [x[0], channels, .. spatial])];
    }

    private static Info[]? Pool(NodeProto n, Info?[] i, Func<string, Info?> _)
    {
        var x = i[0]!.Shape;
        var kernel = n.GetInts("kernel_shape");
        if (kernel is null) return null;
        var spatial = Windows(n, x[2..], kernel);
        if (spatial is null) return null;
        var y = new Info(i[0]!.Type, [x[0], x[1], .. spatial]);
        return n.OpType == "MaxPool" ? [y, new Info(ElementType.Int64, y.Shape)] : [y];
    }

    /// <summary>Output extents of a sliding window (Conv, pooling) with auto_pad, pads, strides, dilations.</summary>
    private static long[]? Windows(NodeProto n, long[] input, long[] kernel)
    {
        var rank = input.Length;
        var strides = n.GetInts("strides") ?? Ones(rank);
        var dilations = n.GetInts("dilations") ?? Ones(rank);
        var autoPad = n.GetString("auto_pad", "NOTSET");
        var ceil = n.GetInt("ceil_mode", 0) != 0;
        var result = new long[rank];
        for (var d = 0; d < rank; d++)
        {
            var reach = (kernel[d] - 1) * dilations[d] + 1;
            var (padBegin, padEnd) = n.GetInts("pads") is { } p ? (p[d], p[rank + d]) : (0L, 0L);
            result[d] = autoPad switch
            {
                "NOTSET" when ceil =>
                    // Rounded up, but a window may not start in the end padding (ONNX's rule since opset 19, and ORT's).
                    CeilWindows(input[d] + padBegin + padEnd - reach, strides[d]) is var k && (k - 1) * strides[d] >= input[d] + padBegin ? k - 1 : k,
                "NOTSET" => (input[d] + padBegin + padEnd - reach) / strides[d] + 1,
                "SAME_UPPER" or "SAME_LOWER" => (input[d] + strides[d] - 1) / strides[d],
                "VALID" => (input[d] - reach) / strides[d] + 1,
                _ => -1,
            };
            if (result[d] < 1) return null;
        }
        return result;
    }

    private static long CeilWindows(long span, long stride) => span < 0 ? 0 : (span + stride - 1) / stride + 1;

    /// <summary>Resize: the sizes, or ⌊in · scale⌋ in float as ONNX Runtime computes it.</summary>
    private static Info[]? Resize(NodeProto n, Info?[] i, Func<string, Info?> _)
    {
        var x = i[0]!.Shape;
        if (i.Length > 3 && i[3]?.Value is { } sizes && sizes.Length == x.Length) return [new Info(i[0]!.Type, sizes)];
        if (i.Length > 2 && i[2]?.Floats is { } scales && scales.Length == x.Length)
            return [new Info(i[0]!.Type, x.Select((d, k) => (long)(scales[k] * (float)d)).ToArray())];
        return null;
    }

    private static Info[] GlobalPool(NodeProto n, Info?[] i, Func<string, Info?> _)
    {
        var x = i[0]!.Shape;
        return [new Info(i[0]!.Type, [x[0], x[1], .. Enumerable.Repeat(1L, x.Length - 2)])];
    }

    // ---- linear algebra -------------------------------------------------------------------------------------

    /// <summary>LSTM, GRU, RNN: Y [T, D, B, H], Y_h and Y_c [D, B, H] (layout 1: [B, T, D, H] and [B, D, H]).</summary>
    private static Info[]? Recurrent(NodeProto node, Info?[] inputs, Func<string, Info?> _)
    {
        var x = inputs[0]!;
        var hidden = node.GetInt("hidden_size", 0);
        if (x.Shape.Length != 3 || hidden <= 0) return null;
        long directions = node.GetString("direction", "forward") == "bidirectional" ? 2 : 1;
        var batchFirst = node.GetInt("layout", 0) == 1;
        var (steps, batch) = batchFirst ? (x.Shape[1], x.Shape[0]) : (x.Shape[0], x.Shape[1]);
        var y = new Info(x.Type, batchFirst ? [batch, steps, directions, hidden] : [steps, directions, batch, hidden]);
        var state = new Info(x.Type, batchFirst ? [batch, directions, hidden] : [directions, batch, hidden]);
        return [y, state, state];
    }

    private static Info[] Gemm(NodeProto n, Info?[] i, Func<string, Info?> _)
    {
        var (a, b) = (i[0]!.Shape, i[1]!.Shape);
        var m = n.GetInt("transA", 0) != 0 ? a[1] : a[0];
        var cols = n.GetInt("transB", 0) != 0 ? b[0] : b[1];
        return [new Info(i[0]!.Type, [m, cols])];
    }

    private static Info[] MatMul(NodeProto n, Info?[] i, Func<string, Info?> _)
    {
        var (a, b) = (i[0]!.Shape, i[1]!.Shape);
        var aP = a.Length == 1 ? [1, a[0]] : a;
        var bP = b.Length == 1 ? [b[0], 1] : b;
        var batch = aP.Length > 2 || bP.Length > 2 ? Broadcast([aP[..^2], bP[..^2]]) : [];
        var shape = new List<long>(batch);
        if (a.Length > 1) shape.Add(aP[^2]);
        if (b.Length > 1) shape.Add(bP[^1]);
        return [new Info(i[0]!.Type, shape.ToArray())];
    }

    // ---- shape manipulation ---------------------------------------------------------------------------------

    private static Info[] Flatten(NodeProto n, Info?[] i, Func<string, Info?> _)
    {
        var x = i[0]!.Shape;
        var axis = (int)Normalize(n.GetInt("axis", 1), x.Length + 1);
        return [new Info(i[0]!.Type, [Tensor.Count(x[..axis]), Tensor.Count(x[axis..])], i[0]!.Value)];
    }

    private static Info[]? Reshape(NodeProto n, Info?[] i, Func<string, Info?> _)
    {
        if (i[1]?.Value is not { } target) return null;
        var x = i[0]!.Shape;
        var allowZero = n.GetInt("allowzero", 0) != 0;
        var shape = target.Select((d, k) => d == 0 && !allowZero ? x[k] : d).ToArray();
        var unknown = Array.IndexOf(shape, -1L);
        if (unknown >= 0)
        {
            var rest = shape.Where((_, k) => k != unknown).Aggregate(1L, (p, d) => p * d);
            shape[unknown] = Tensor.Count(x) / rest;
        }
        if (Tensor.Count(shape) != Tensor.Count(x)) throw new ArgumentException("reshape changes the element count");
        return [new Info(i[0]!.Type, shape, i[0]!.Value)];
    }

    private static long[]? AxesOf(NodeProto n, Info?[] i, int inputIndex) =>
        inputIndex < i.Length && i[inputIndex] is { } given ? given.Value : n.GetInts("axes");

    private static Info[]? Squeeze(NodeProto n, Info?[] i, Func<string, Info?> _)
    {
        var x = i[0]!.Shape;
        if (i.Length > 1 && i[1] is not null && i[1]!.Value is null) return null;
        var axes = AxesOf(n, i, 1)?.Select(a => Normalize(a, x.Length)).ToHashSet();
        var shape = x.Where((d, k) => axes is null ? d != 1 : !axes.Contains(k)).ToArray();
        return [new Info(i[0]!.Type, shape, i[0]!.Value)];
    }

    private static Info[]? Unsqueeze(NodeProto n, Info?[] i, Func<string, Info?> _)
    {
        var x = i[0]!.Shape;
        if (AxesOf(n, i, 1) is not { } given) return null;
        var rank = x.Length + given.Length;
        var axes = given.Select(a => Normalize(a, rank)).ToHashSet();
        var shape = new long[rank];
        for (int k = 0, from = 0; k < rank; k++) shape[k] = axes.Contains(k) ? 1 : x[from++];
        return [new Info(i[0]!.Type, shape, i[0]!.Value)];
    }

    private static Info[] Transpose(NodeProto n, Info?[] i, Func<string, Info?> _)
    {
        var x = i[0]!.Shape;
        var perm = n.GetInts("perm") ?? Enumerable.Range(0, x.Length).Reverse().Select(k => (long)k).ToArray();
        return [new Info(i[0]!.Type, perm.Select(p => x[p]).ToArray())];
    }

    private static Info[] Concat(NodeProto n, Info?[] i, Func<string, Info?> _)
    {
        var present = i.Where(x => x is not null).Select(x => x!).ToList();
        var rank = present[0].Shape.Length;
        var axis = (int)Normalize(n.GetInt("axis", 0), rank);
        var shape = (long[])present[0].Shape.Clone();
        shape[axis] = present.Sum(x => x.Shape[axis]);
        long[]? value = rank == 1 && present.All(x => x.Value is not null) ? present.SelectMany(x => x.Value!).ToArray() : null;
        return [new Info(present[0].Type, shape, value)];
    }

    private static Info[]? Split(NodeProto n, Info?[] i, Func<string, Info?> _)
    {
        var x = i[0]!.Shape;
        var axis = (int)Normalize(n.GetInt("axis", 0), x.Length);
        var parts = n.Output.Count;
        long[] sizes;
        if (i.Length > 1 && i[1] is { } splitInput)
            sizes = splitInput.Value ?? throw new ArgumentException("split sizes are not constant");
        else if (n.GetInts("split") is { } attribute) sizes = attribute;
        else
        {
            var chunk = (x[axis] + parts - 1) / parts; // equal parts, the last one smaller (opset 18's rule)
            sizes = Enumerable.Range(0, parts).Select(k => Math.Min(chunk, x[axis] - k * chunk)).ToArray();
        }
        if (sizes.Length != parts || sizes.Sum() != x[axis]) return null;
        return sizes.Select(s =>
        {
            var shape = (long[])x.Clone();
            shape[axis] = s;
            return new Info(i[0]!.Type, shape);
        }).ToArray();
    }

    private static Info[]? Slice(NodeProto n, Info?[] i, Func<string, Info?> _)
    {
        var x = i[0]!.Shape;
        long[]? Input(int k) => k < i.Length && i[k] is { } v ? v.Value : null;
        if (i.Length < 3 || Input(1) is not { } starts || Input(2) is not { } ends) return null;
        if ((i.Length > 3 && i[3] is not null && Input(3) is null) || (i.Length > 4 && i[4] is not null && Input(4) is null)) return null;
        var selection = SliceSelection.Of(x, starts, ends, Input(3), Input(4));
        var shape = selection.Select(s => s.Count).ToArray();
        long[]? value = null;
        if (x.Length == 1 && i[0]!.Value is { } data)
            value = Enumerable.Range(0, (int)shape[0]).Select(k => data[selection[0].Start + k * selection[0].Step]).ToArray();
        return [new Info(i[0]!.Type, shape, value)];
    }

    private static Info[]? Pad(NodeProto n, Info?[] i, Func<string, Info?> _)
    {
        if (i.Length > 3 && i[3] is not null) return null; // the axes input (opset 18)
        var pads = i.Length > 1 && i[1] is { } given ? given.Value : n.GetInts("pads");
        var x = i[0]!.Shape;
        if (pads is null || pads.Length != 2 * x.Length) return null;
        return [new Info(i[0]!.Type, x.Select((d, k) => d + pads[k] + pads[x.Length + k]).ToArray())];
    }

    private static Info[]? Reduce(NodeProto n, Info?[] i, Func<string, Info?> _)
    {
        var x = i[0]!.Shape;
        long[]? axes;
        if (i.Length > 1 && i[1] is not null)
        {
            axes = i[1]!.Value;
            if (axes is null) return null;
        }
        else axes = n.GetInts("axes");
        var keep = n.GetInt("keepdims", 1) != 0;
        if (axes is null || axes.Length == 0)
        {
            if (n.GetInt("noop_with_empty_axes", 0) != 0) return [i[0]! with { Value = null, Floats = null }];
            axes = Enumerable.Range(0, x.Length).Select(a => (long)a).ToArray();
        }
        var set = axes.Select(a => Normalize(a, x.Length)).ToHashSet();
        var shape = keep ? x.Select((d, k) => set.Contains(k) ? 1 : d).ToArray() : x.Where((_, k) => !set.Contains(k)).ToArray();
        return [new Info(i[0]!.Type, shape)];
    }

    private static Info[] ArgReduce(NodeProto n, Info?[] i, Func<string, Info?> _)
    {
        var x = i[0]!.Shape;
        var axis = Normalize(n.GetInt("axis", 0), x.Length);
        var shape = n.GetInt("keepdims", 1) != 0 ? x.Select((d, k) => k == axis ? 1 : d).ToArray() : x.Where((_, k) => k != axis).ToArray();
        return [new Info(ElementType.Int64, shape)];
    }

    private static Info[] ShapeOf(NodeProto n, Info?[] i, Func<string, Info?> _)
    {
        var x = i[0]!.Shape;
        var start = (int)Math.Clamp(Normalize(n.GetInt("start", 0), x.Length), 0, x.Length);
        var end = (int)Math.Clamp(n.Find("end") is null ? x.Length : Normalize(n.GetInt("end", 0), x.Length), start, x.Length);
        var value = x[start..end];
        return [new Info(ElementType.Int64, [value.Length], value)];
    }

    private static Info[]? Constant(NodeProto n, Info?[] i, Func<string, Info?> _)
    {
        if (n.Find("value") is { T: { } t })
        {
            var type = (ElementType)t.DataType;
            long[]? value = type == ElementType.Int64 && Tensor.Count(t.Dims) <= ValueLimit ? TensorData.ReadInt64s(t) : null;
            return [new Info(type, t.Dims.ToArray(), value)];
        }
        if (n.Find("value_float") is not null) return [new Info(ElementType.Float, [])];
        if (n.Find("value_floats") is { } fs) return [new Info(ElementType.Float, [fs.Floats.Count])];
        if (n.Find("value_int") is { } one) return [new Info(ElementType.Int64, [], [one.I])];
        if (n.Find("value_ints") is { } ints) return [new Info(ElementType.Int64, [ints.Ints.Count], ints.Ints.ToArray())];
        return null;
    }

    private static Info[]? ConstantOfShape(NodeProto n, Info?[] i, Func<string, Info?> _)
    {
        if (i[0]?.Value is not { } shape) return null;
        var fill = n.Find("value")?.T;
        var type = fill is null ? ElementType.Float : (ElementType)fill.DataType;
        long[]? value = type == ElementType.Int64 && fill is not null && Tensor.Count(shape) <= ValueLimit
            ? Enumerable.Repeat(TensorData.ReadInt64s(fill)[0], (int)Tensor.Count(shape)).ToArray()
            : null;
        return [new Info(type, shape, value)];
    }

    private static Info[] Gather(NodeProto n, Info?[] i, Func<string, Info?> _)
    {
        var (data, indices) = (i[0]!, i[1]!);
        var axis = (int)Normalize(n.GetInt("axis", 0), data.Shape.Length);
        long[] shape = [.. data.Shape[..axis], .. indices.Shape, .. data.Shape[(axis + 1)..]];
        long[]? value = null;
        if (data.Value is { } d && indices.Value is { } idx && data.Shape.Length == 1)
            value = idx.Select(k => d[k < 0 ? k + d.Length : k]).ToArray();
        return [new Info(data.Type, shape, value)];
    }

    private static Info[]? OneHot(NodeProto n, Info?[] i, Func<string, Info?> _)
    {
        if (i[1]?.Value is not [var depth]) return null;
        var indices = i[0]!.Shape;
        var rank = indices.Length + 1;
        var axis = (int)Normalize(n.GetInt("axis", -1), rank);
        var shape = new List<long>(indices);
        shape.Insert(axis, depth);
        return [new Info(i[2]!.Type, shape.ToArray())];
    }

    private static Info[] SoftmaxCrossEntropyLoss(NodeProto n, Info?[] i, Func<string, Info?> _)
    {
        var scores = i[0]!;
        var loss = n.GetString("reduction", "mean") == "none" ? new Info(scores.Type, i[1]!.Shape) : new Info(scores.Type, []);
        return [loss, scores with { Value = null, Floats = null }];
    }

    // ---- helpers ----------------------------------------------------------------------------------------------

    private static long Normalize(long axis, int rank) => axis < 0 ? axis + rank : axis;

    private static long[] Ones(int n) => Enumerable.Repeat(1L, n).ToArray();
}
