using Microsoft.ML.OnnxRuntime;
using TensorElementType = Microsoft.ML.OnnxRuntime.Tensors.TensorElementType;
using NasiOnnx.Engine.Graphs;
using NasiOnnx.Engine.Runtime;
using Onnx;

namespace NasiOnnx.Engine.Autodiff;

/// <summary>
/// The shape and element type of every value of a model for one set of input shapes. Found by a probe: a copy of
/// the model exposing every node output as a graph output, run once in ONNX Runtime on zeros. This is general for
/// any model ONNX Runtime runs (no shape-inference code of ours to keep in step with the op set), at the price of
/// one forward pass when a gradient model is built.
/// </summary>
public sealed class StaticShapes
{
    private readonly Dictionary<string, long[]> _shapes;
    private readonly Dictionary<string, ElementType> _types;

    private StaticShapes(Dictionary<string, long[]> shapes, Dictionary<string, ElementType> types)
    {
        _shapes = shapes;
        _types = types;
    }

    /// <summary>The graph-input shapes the probe ran with.</summary>
    public IReadOnlyDictionary<string, long[]> InputShapes { get; private init; } = new Dictionary<string, long[]>();

    public bool Contains(string name) => _shapes.ContainsKey(name);

    public long[] Shape(string name) =>
        _shapes.TryGetValue(name, out var s) ? s : throw new GraphException($"No static shape is known for value '{name}'.");

    public ElementType Type(string name) =>
        _types.TryGetValue(name, out var t) ? t : throw new GraphException($"No element type is known for value '{name}'.");

    public bool IsFloat(string name) => _types.TryGetValue(name, out var t) && t == ElementType.Float;

    /// <summary>
    /// Probes <paramref name="model"/> with the given graph-input shapes; inputs not listed use the static shape the
    /// model declares (a symbolic dimension there is an error naming the input).
    /// </summary>
    public static StaticShapes Probe(ModelProto model, IReadOnlyDictionary<string, long[]> inputShapes)
    {
        var shapes = new Dictionary<string, long[]>(StringComparer.Ordinal);
        var types = new Dictionary<string, ElementType>(StringComparer.Ordinal);
        foreach (var t in model.Graph.Initializer)
        {
            shapes[t.Name] = t.Dims.ToArray();
            types[t.Name] = (ElementType)t.DataType;
        }

        var probe = model.Clone();
        var declared = new HashSet<string>(probe.Graph.Output.Select(o => o.Name), StringComparer.Ordinal);
        foreach (var node in probe.Graph.Node)
            foreach (var o in node.Output)
                if (o.Length > 0 && declared.Add(o))
                    probe.Graph.Output.Add(new ValueInfoProto { Name = o }); // type left to ONNX Runtime's inference

        var feeds = new List<(string Name, OrtValue Value)>();
        var used = new Dictionary<string, long[]>(StringComparer.Ordinal);
        try
        {
            foreach (var input in model.Graph.Input)
            {
                if (shapes.ContainsKey(input.Name)) continue; // an initializer also listed as input (old IR)
                var shape = inputShapes.TryGetValue(input.Name, out var given) ? given : DeclaredShape(input);
                var type = (ElementType)(input.Type?.TensorType?.ElemType ?? 0);
                shapes[input.Name] = shape;
                types[input.Name] = type;
                used[input.Name] = shape;
                feeds.Add((input.Name, Zeros(type, shape, input.Name)));
            }
            using var session = SessionFactory.Create(probe, new RuntimeOptions { Provider = ExecutionProvider.Cpu });
            var names = session.OutputNames.ToList();
            using var results = session.Run(feeds.Select(f => f.Name).ToList(), feeds.Select(f => f.Value).ToList(), names);
            for (var i = 0; i < names.Count; i++)
            {
                var info = results[i].GetTensorTypeAndShape();
                shapes[names[i]] = info.Shape;
                types[names[i]] = ToElementType(info.ElementDataType);
            }
        }
        finally
        {
            foreach (var f in feeds) f.Value.Dispose();
        }
        return new StaticShapes(shapes, types) { InputShapes = used };
    }

    private static long[] DeclaredShape(ValueInfoProto input)
    {
        var dims = input.Type?.TensorType?.Shape?.Dim;
        if (dims is null || dims.Any(d => !d.HasDimValue))
            throw new GraphException($"Graph input '{input.Name}' has no static shape; give its shape when building the gradient model.");
        return dims.Select(d => d.DimValue).ToArray();
    }

    private static OrtValue Zeros(ElementType type, long[] shape, string name)
    {
        var n = Tensor.Count(shape);
        return type switch
        {
            ElementType.Float => OrtValue.CreateTensorValueFromMemory(new float[n], shape),
            ElementType.Int64 => OrtValue.CreateTensorValueFromMemory(new long[n], shape),
            ElementType.Int32 => OrtValue.CreateTensorValueFromMemory(new int[n], shape),
            ElementType.Double => OrtValue.CreateTensorValueFromMemory(new double[n], shape),
            ElementType.Bool => OrtValue.CreateTensorValueFromMemory(new bool[n], shape),
            _ => throw new GraphException($"Graph input '{name}' has element type {(int)type}, which the shape probe cannot feed."),
        };
    }

    private static ElementType ToElementType(TensorElementType t) => t switch
    {
        TensorElementType.Float => ElementType.Float,
        TensorElementType.Int64 => ElementType.Int64,
        TensorElementType.Int32 => ElementType.Int32,
        TensorElementType.Bool => ElementType.Bool,
        TensorElementType.Double => ElementType.Double,
        _ => (ElementType)(int)t,
    };
}
