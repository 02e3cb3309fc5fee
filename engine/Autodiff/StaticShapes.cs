using Microsoft.ML.OnnxRuntime;
using TensorElementType = Microsoft.ML.OnnxRuntime.Tensors.TensorElementType;
using NasiOnnx.Engine.Graphs;
using NasiOnnx.Engine.Runtime;
using Onnx;

namespace NasiOnnx.Engine.Autodiff;

/// <summary>
/// The shape and element type of every value of a model for one set of input shapes. <see cref="For"/> infers them
/// by ONNX's shape rules (<see cref="ShapeInference"/>: microseconds per node) and, for a model with an op those
/// rules do not cover, falls back to a probe: a copy of the model exposing every node output as a graph output,
/// run in ONNX Runtime on zeros, which is general for any model ONNX Runtime runs, at the price of sessions and
/// forward passes (about 0.3–0.7 s for a NAS-Bench-201 network, most of a gradient model's build time).
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

    /// <summary>True when <see cref="ProbeScaled"/> extended small-batch probes rather than probing at full size.</summary>
    public bool Extended { get; private init; }

    /// <summary>True when the shapes were inferred by rule, false when ONNX Runtime was probed.</summary>
    public bool Inferred { get; private init; }

    /// <summary>Why <see cref="For"/> probed instead of inferring (the op or node without a shape rule); else empty.</summary>
    public string ProbeReason { get; private init; } = "";

    /// <summary>
    /// The shapes for <paramref name="inputShapes"/>: inferred where every node has a shape rule, else probed
    /// (<see cref="ProbeScaled"/> over <paramref name="batchInputs"/> when given, <see cref="Probe"/> otherwise).
    /// Inputs not listed use the static shape the model declares.
    /// </summary>
    public static StaticShapes For(ModelProto model, IReadOnlyDictionary<string, long[]> inputShapes, IReadOnlyCollection<string>? batchInputs = null)
    {
        string why;
        try
        {
            if (TryInfer(model, inputShapes, out why) is { } inferred) return inferred;
        }
        catch (GraphException e)
        {
            why = e.Message; // a cycle, say: the probe's session reports it in ONNX Runtime's words
        }
        var probed = batchInputs is { Count: > 0 } ? ProbeScaled(model, inputShapes, batchInputs) : Probe(model, inputShapes);
        return new StaticShapes(probed._shapes, probed._types) { InputShapes = probed.InputShapes, Extended = probed.Extended, ProbeReason = why };
    }

    /// <summary>The shapes by ONNX's shape rules alone, or null (with the node or op that has no rule in <paramref name="why"/>).</summary>
    public static StaticShapes? TryInfer(ModelProto model, IReadOnlyDictionary<string, long[]> inputShapes, out string why)
    {
        if (ShapeInference.TryInfer(model, inputShapes, out why) is not var (shapes, types)) return null;
        var initializers = new HashSet<string>(model.Graph.Initializer.Select(t => t.Name), StringComparer.Ordinal);
        var inputs = model.Graph.Input.Where(i => !initializers.Contains(i.Name))
            .ToDictionary(i => i.Name, i => shapes[i.Name], StringComparer.Ordinal);
        return new StaticShapes(shapes, types) { InputShapes = inputs, Inferred = true };
    }

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
        // The probe runs the shapes asked for, whatever the model declares (a batch-64 export probed at batch 1).
        foreach (var input in probe.Graph.Input)
            if (inputShapes.TryGetValue(input.Name, out var asked) && input.Type?.TensorType is { } tensorType)
                tensorType.Shape = GraphBuilder.ValueInfo(input.Name, ElementType.Float, asked).Type.TensorType.Shape;
        foreach (var output in probe.Graph.Output)
            if (output.Type?.TensorType is { } outputType) outputType.Shape = null; // outputs at the probed batch
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

    /// <summary>
    /// Like <see cref="Probe"/>, but cheap for large batches: probes with the batch (dimension 0 of
    /// <paramref name="batchInputs"/>) at 1, 2 and 3, and extends each value's shape affinely in the batch size —
    /// which every ordinary network satisfies, and which the third probe checks for every value. Where the check
    /// fails, or a small batch does not run, it falls back to a full probe. The full probe returns every
    /// activation at full batch (hundreds of MB for a NAS-Bench-201 net at batch 64, seconds to allocate).
    /// </summary>
    public static StaticShapes ProbeScaled(ModelProto model, IReadOnlyDictionary<string, long[]> inputShapes, IReadOnlyCollection<string> batchInputs)
    {
        var batch = inputShapes[batchInputs.First()][0];
        if (batch <= 3 || batchInputs.Any(n => !inputShapes.TryGetValue(n, out var s) || s.Length == 0 || s[0] != batch))
            return Probe(model, inputShapes);
        StaticShapes At(long b)
        {
            var shapes = inputShapes.ToDictionary(kv => kv.Key, kv => batchInputs.Contains(kv.Key) ? [b, .. kv.Value[1..]] : kv.Value, StringComparer.Ordinal);
            return Probe(model, shapes);
        }
        StaticShapes one, two, three;
        try
        {
            (one, two, three) = (At(1), At(2), At(3));
        }
        catch (NasiException)
        {
            return Probe(model, inputShapes); // a graph that needs its real batch to run at all
        }
        long[] Extend(long[] s1, long[] s2, long b) => s1.Select((d, i) => d + (s2[i] - d) * (b - 1)).ToArray();
        var extended = new Dictionary<string, long[]>(StringComparer.Ordinal);
        foreach (var (name, s1) in one._shapes)
        {
            if (!two._shapes.TryGetValue(name, out var s2) || !three._shapes.TryGetValue(name, out var s3)
                || s2.Length != s1.Length || !Extend(s1, s2, 3).SequenceEqual(s3))
                return Probe(model, inputShapes);
            extended[name] = Extend(s1, s2, batch);
        }
        var inputs = one.InputShapes.ToDictionary(kv => kv.Key, kv => extended[kv.Key], StringComparer.Ordinal);
        return new StaticShapes(extended, new Dictionary<string, ElementType>(one._types, StringComparer.Ordinal)) { InputShapes = inputs, Extended = true };
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
