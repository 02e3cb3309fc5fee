using Microsoft.ML.OnnxRuntime;
using NasiOnnx.Engine.Autodiff;
using NasiOnnx.Engine.Graphs;
using Onnx;

namespace NasiOnnx.Engine.Scoring;

/// <summary>
/// The shape of every value of a model for one input shape, known before anything runs. Scoring asks it before the
/// first run of a model: a hostile file can make ONNX Runtime's kernels divide by a zero-sized dimension (SIGFPE,
/// measured: a pooled axis shrunk to 0 by a mutated input shape kills the process), or allocate gigabytes, and
/// neither can be caught once a run starts. The engine's own shape rules answer where they cover every node and
/// every dimension comes out positive (<see cref="ByRule"/>: microseconds per node); anything else, an op without
/// a rule, a dimension of 0, a malformed node, is left to ONNX's shape inference in an ONNX Runtime session that
/// is created but never run (<see cref="ByOnnxRuntime"/>: about 0.1 s for a NAS-Bench-201 network), whose
/// dimensions left open are -1.
/// </summary>
public sealed class InferredShapes
{
    private InferredShapes(IReadOnlyDictionary<string, long[]> shapes, IReadOnlyDictionary<string, long[]> inputs)
    {
        Shapes = shapes;
        Inputs = inputs;
    }

    /// <summary>Value name → inferred shape (-1 where open); values inference could not type are absent.</summary>
    public IReadOnlyDictionary<string, long[]> Shapes { get; }

    /// <summary>The input shapes inferred from.</summary>
    public IReadOnlyDictionary<string, long[]> Inputs { get; }

    /// <summary>Elements of the inputs and of every value whose shape inference fixes (a lower bound of what a run holds).</summary>
    public double KnownElements =>
        Inputs.Values.Sum(s => (double)Tensor.Count(s)) + Shapes.Values.Where(s => s.All(d => d >= 0)).Sum(s => s.Aggregate(1.0, (p, d) => p * d));

    /// <summary>True when the engine's shape rules gave the shapes, false when ONNX Runtime's inference did.</summary>
    public bool Inferred { get; private init; }

    /// <summary>Infers; an empty result when ONNX Runtime refuses the model (the first run then says why).</summary>
    public static InferredShapes Of(ModelProto model, IReadOnlyDictionary<string, long[]> inputs) =>
        ByRule(model, inputs) ?? ByOnnxRuntime(model, inputs);

    /// <summary>The shapes of every node output by the engine's shape rules, or null where a node has no rule, a
    /// rule cannot read a malformed node, or a dimension comes out below 1 (ONNX Runtime then says what it is).</summary>
    public static InferredShapes? ByRule(ModelProto model, IReadOnlyDictionary<string, long[]> inputs)
    {
        StaticShapes? ruled;
        try
        {
            ruled = StaticShapes.TryInfer(model, inputs, out _);
        }
        catch (Exception e) when (e is GraphException or ArgumentException or IndexOutOfRangeException or InvalidOperationException or OverflowException)
        {
            return null; // a hostile node the rules cannot read: ONNX Runtime's inference decides
        }
        if (ruled is null) return null;
        var shapes = new Dictionary<string, long[]>(StringComparer.Ordinal);
        foreach (var node in model.Graph.Node)
            foreach (var o in node.Output)
            {
                if (o.Length == 0) continue;
                if (!ruled.Contains(o) || ruled.Shape(o).Any(d => d < 1)) return null;
                shapes[o] = ruled.Shape(o);
            }
        return new InferredShapes(shapes, inputs) { Inferred = true };
    }

    /// <summary>The shapes ONNX's shape inference gives, from a session created with optimisations (constant folding
    /// among them) off and never run; empty when ONNX Runtime refuses the model.</summary>
    public static InferredShapes ByOnnxRuntime(ModelProto model, IReadOnlyDictionary<string, long[]> inputs)
    {
        var probe = model.Clone();
        foreach (var input in probe.Graph.Input)
            if (inputs.TryGetValue(input.Name, out var shape) && input.Type?.TensorType is { } t)
                t.Shape = GraphBuilder.ValueInfo(input.Name, ElementType.Float, shape).Type.TensorType.Shape;
        var declared = new HashSet<string>(probe.Graph.Output.Select(o => o.Name), StringComparer.Ordinal);
        foreach (var node in probe.Graph.Node)
            foreach (var o in node.Output)
                if (o.Length > 0 && declared.Add(o)) probe.Graph.Output.Add(new ValueInfoProto { Name = o });
        var shapes = new Dictionary<string, long[]>(StringComparer.Ordinal);
        using var options = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_DISABLE_ALL,
            LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL,
        };
        try
        {
            using var session = new InferenceSession(ModelFile.ToBytes(probe), options);
            foreach (var (name, meta) in session.OutputMetadata)
                if (meta.IsTensor) shapes[name] = meta.Dimensions.Select(d => (long)d).ToArray();
        }
        catch (OnnxRuntimeException) { }
        return new InferredShapes(shapes, inputs);
    }

    /// <summary>Throws, naming the value and its node, where a value has a dimension of 0.</summary>
    public void RefuseEmpty(ModelProto model, string source)
    {
        foreach (var node in model.Graph.Node)
            foreach (var o in node.Output)
                if (o.Length > 0 && Shapes.TryGetValue(o, out var s) && s.Contains(0))
                    throw new GraphException($"{source}: {node.Describe()} makes '{o}' of shape [{string.Join(",", s)}], with a dimension of 0 (for the input [{string.Join(",", Inputs.Values.First())}])");
    }
}
