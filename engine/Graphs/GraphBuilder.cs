using Google.Protobuf;
using Onnx;

namespace NasiOnnx.Engine.Graphs;

/// <summary>
/// A small typed API over the ONNX protobuf classes: inputs, outputs, initializers and nodes with attributes.
/// It either starts a new model (opset 17) or extends an existing one in place (graph transforms).
/// Every value name it hands out is unique within the graph.
/// </summary>
public sealed class GraphBuilder
{
    /// <summary>The opset every generated model declares.</summary>
    public const long DefaultOpset = 17;

    /// <summary>Dimension value that <see cref="Input"/> writes as the symbolic dimension "batch".</summary>
    public const long SymbolicBatch = -1;

    private readonly HashSet<string> _names = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _counters = new(StringComparer.Ordinal);

    public ModelProto Model { get; }
    public GraphProto Graph => Model.Graph;

    private GraphBuilder(ModelProto model)
    {
        Model = model;
        foreach (var v in model.Graph.Input) _names.Add(v.Name);
        foreach (var v in model.Graph.Output) _names.Add(v.Name);
        foreach (var t in model.Graph.Initializer) _names.Add(t.Name);
        foreach (var n in model.Graph.Node)
        {
            foreach (var o in n.Output) _names.Add(o);
            if (!string.IsNullOrEmpty(n.Name)) _names.Add(n.Name);
        }
    }

    /// <summary>Starts an empty model with the default opset.</summary>
    public static GraphBuilder Create(string graphName, long opset = DefaultOpset)
    {
        var model = new ModelProto
        {
            IrVersion = 8,
            ProducerName = "NasiOnnx",
            ProducerVersion = typeof(GraphBuilder).Assembly.GetName().Version?.ToString() ?? "0",
            Graph = new GraphProto { Name = graphName },
        };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = opset });
        return new GraphBuilder(model);
    }

    /// <summary>Extends <paramref name="model"/> in place (clone it first to keep the original).</summary>
    public static GraphBuilder Extend(ModelProto model) => new(model);

    /// <summary>The model's default-domain opset.</summary>
    public long Opset => Model.OpsetImport.FirstOrDefault(o => o.Domain is "" or "ai.onnx")?.Version ?? DefaultOpset;

    /// <summary>A fresh value or node name: <paramref name="prefix"/> itself if free, else prefix_1, prefix_2, …</summary>
    public string UniqueName(string prefix)
    {
        if (_names.Add(prefix)) return prefix;
        _counters.TryGetValue(prefix, out var k);
        string candidate;
        do candidate = $"{prefix}_{++k}"; while (!_names.Add(candidate));
        _counters[prefix] = k;
        return candidate;
    }

    public string Input(string name, ElementType type, params long[] shape)
    {
        Claim(name);
        Graph.Input.Add(ValueInfo(name, type, shape));
        return name;
    }

    /// <summary>Declares an existing value as a graph output; shape may be null (unknown).</summary>
    public string Output(string name, ElementType type, long[]? shape = null)
    {
        Graph.Output.Add(ValueInfo(name, type, shape));
        return name;
    }

    public string Initializer(string name, float[] data, params long[] dims)
    {
        CheckCount(name, data.Length, dims);
        Claim(name);
        return AddFloatInitializer(name, data, dims);
    }

    public string Int64Initializer(string name, long[] data, params long[] dims)
    {
        CheckCount(name, data.Length, dims);
        Claim(name);
        return AddInt64Initializer(name, data, dims);
    }

    /// <summary>A 1-D int64 constant (axes, shapes, pads), named uniquely from <paramref name="prefix"/>.</summary>
    public string Int64Constant(string prefix, params long[] values) =>
        AddInt64Initializer(UniqueName(prefix), values, [values.Length]);

    /// <summary>A float constant of any shape, named uniquely from <paramref name="prefix"/>.</summary>
    public string FloatConstant(string prefix, float[] values, params long[] dims)
    {
        CheckCount(prefix, values.Length, dims);
        return AddFloatInitializer(UniqueName(prefix), values, dims);
    }

    // The name is already reserved (by Claim or UniqueName) and the count checked: claiming again would throw.
    private string AddFloatInitializer(string name, float[] data, long[] dims)
    {
        var t = new TensorProto { Name = name, DataType = (int)ElementType.Float };
        t.Dims.AddRange(dims);
        t.RawData = ByteString.CopyFrom(System.Runtime.InteropServices.MemoryMarshal.AsBytes(data.AsSpan()));
        Graph.Initializer.Add(t);
        return name;
    }

    private string AddInt64Initializer(string name, long[] data, long[] dims)
    {
        var t = new TensorProto { Name = name, DataType = (int)ElementType.Int64 };
        t.Dims.AddRange(dims);
        t.RawData = ByteString.CopyFrom(System.Runtime.InteropServices.MemoryMarshal.AsBytes(data.AsSpan()));
        Graph.Initializer.Add(t);
        return name;
    }

    /// <summary>Adds a node with one output and returns that output's name.</summary>
    public string Node(string opType, IReadOnlyList<string> inputs, params AttributeProto[] attributes) =>
        NodeN(opType, inputs, 1, attributes)[0];

    /// <summary>Adds a node with <paramref name="outputCount"/> fresh outputs and returns their names.</summary>
    public string[] NodeN(string opType, IReadOnlyList<string> inputs, int outputCount, params AttributeProto[] attributes)
    {
        var nodeName = UniqueName(opType);
        var outputs = new string[outputCount];
        for (var i = 0; i < outputCount; i++) outputs[i] = UniqueName(outputCount == 1 ? nodeName : $"{nodeName}_out{i}");
        AddNode(opType, nodeName, inputs, outputs, attributes);
        return outputs;
    }

    /// <summary>Adds a node whose node and output names the caller chose (they must be free).</summary>
    public NodeProto AddNode(string opType, string nodeName, IReadOnlyList<string> inputs, IReadOnlyList<string> outputs,
        params AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = opType, Name = nodeName };
        node.Input.AddRange(inputs);
        foreach (var o in outputs)
        {
            if (o.Length > 0) _names.Add(o);
            node.Output.Add(o);
        }
        node.Attribute.AddRange(attributes);
        Graph.Node.Add(node);
        return node;
    }

    /// <summary>Reserves a caller-chosen name, failing if it is taken.</summary>
    public void Claim(string name)
    {
        if (!_names.Add(name))
            throw new InvalidOperationException($"Graph '{Graph.Name}': the name '{name}' is already used.");
    }

    public static ValueInfoProto ValueInfo(string name, ElementType type, long[]? shape)
    {
        var tensor = new TypeProto.Types.Tensor { ElemType = (int)type };
        if (shape is not null)
        {
            tensor.Shape = new TensorShapeProto();
            foreach (var d in shape)
                tensor.Shape.Dim.Add(d >= 0
                    ? new TensorShapeProto.Types.Dimension { DimValue = d }
                    : new TensorShapeProto.Types.Dimension { DimParam = "batch" });
        }
        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = tensor } };
    }

    private void CheckCount(string name, int count, long[] dims)
    {
        long expected = 1;
        foreach (var d in dims) expected *= d;
        if (expected != count)
            throw new ArgumentException($"Initializer '{name}': {count} values do not fill shape [{string.Join(",", dims)}].");
    }
}
