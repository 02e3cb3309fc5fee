using NasiOnnx.Engine.Graphs;
using Onnx;

namespace NasiOnnx.Engine.Autodiff;

/// <summary>
/// Reverse-mode differentiation as an ONNX → ONNX transform. The forward graph is cloned and extended: the backward
/// nodes read forward values directly (nothing is recomputed except what a rule says), so one run gives the forward
/// outputs and the gradients together.
/// </summary>
public static class Vjp
{
    /// <summary>The lowest default-domain opset the rules' emitted ops are valid in.</summary>
    public const long MinimumOpset = 16;

    /// <summary>
    /// Builds a model whose extra outputs are the vector-Jacobian products of the seeded outputs with respect to
    /// <paramref name="wrt"/> (default: every tensor of <see cref="ParameterSet.Of"/>; graph inputs such as
    /// architecture weights may be listed too). Shapes are inferred for <paramref name="inputShapes"/> (graph inputs
    /// not listed use their declared static shape), or probed where an op has no shape rule
    /// (<see cref="StaticShapes.For"/>); the result is specialised to those shapes.
    /// </summary>
    /// <exception cref="GraphException">A node on a differentiated path has no rule (message names op and node),
    /// or a seed or wrt name is not a float value of the model.</exception>
    /// <param name="model">The forward model; it is not modified.</param>
    /// <param name="seeds">Where reverse mode starts.</param>
    /// <param name="inputShapes">Shapes of graph inputs whose declared shapes are symbolic.</param>
    /// <param name="wrt">Tensors to differentiate with respect to.</param>
    /// <param name="options">Which ops to emit (standard, or fused CPU kernels) and whether weights are constants.</param>
    public static GradientModel Build(ModelProto model, IReadOnlyList<GradientSeed> seeds,
        IReadOnlyDictionary<string, long[]> inputShapes, IReadOnlyList<string>? wrt = null, GradientOptions? options = null)
    {
        var clone = model.Clone();
        var shapes = StaticShapes.For(clone, inputShapes);
        return BuildInPlace(clone, seeds, shapes, wrt ?? ParameterSet.Of(model).Names.ToList(), options);
    }

    /// <summary>
    /// As above, with shapes probed by the caller (e.g. <see cref="StaticShapes.ProbeScaled"/>, which is much
    /// cheaper at large batch sizes); <paramref name="shapes"/> must come from <paramref name="model"/>.
    /// </summary>
    public static GradientModel Build(ModelProto model, IReadOnlyList<GradientSeed> seeds, StaticShapes shapes, IReadOnlyList<string>? wrt = null,
        GradientOptions? options = null) =>
        BuildInPlace(model.Clone(), seeds, shapes, wrt ?? ParameterSet.Of(model).Names.ToList(), options);

    /// <summary>Extends <paramref name="model"/> in place, given its probed <paramref name="shapes"/>.</summary>
    internal static GradientModel BuildInPlace(ModelProto model, IReadOnlyList<GradientSeed> seeds, StaticShapes shapes, IReadOnlyList<string> wrt,
        GradientOptions? options = null)
    {
        var graphName = model.Graph.Name;
        var opset = GraphBuilder.Extend(model).Opset;
        if (opset < MinimumOpset)
            throw new GraphException($"Graph '{graphName}' uses opset {opset}; the gradient rules emit opset-{MinimumOpset}+ ops (ReduceSum/Split with axes and sizes as inputs, ScatterElements with reduction): export it at opset 17.");
        if (seeds.Count == 0) throw new ArgumentException("At least one seeded output is needed.", nameof(seeds));
        var sources = new HashSet<string>(model.Graph.Initializer.Select(t => t.Name).Concat(model.Graph.Input.Select(i => i.Name)), StringComparer.Ordinal);
        foreach (var name in wrt)
            if (!sources.Contains(name) || !shapes.IsFloat(name))
                throw new GraphException($"Graph '{graphName}': cannot differentiate with respect to '{name}': not a float initializer or graph input.");
        foreach (var seed in seeds)
            if (!shapes.IsFloat(seed.Output))
                throw new GraphException($"Graph '{graphName}': seeded output '{seed.Output}' is not a float value of the graph.");
        foreach (var value in options?.Cotangents ?? [])
            if (!shapes.IsFloat(value))
                throw new GraphException($"Graph '{graphName}': cannot keep the cotangent of '{value}': not a float value of the graph.");

        var forwardNodes = TopologicalOrder(model.Graph);
        var reached = Reached(forwardNodes, wrt, shapes);
        var active = OnPath(forwardNodes, reached, seeds.Select(s => s.Output));
        var missing = active.Where(n => !GradientRules.TryGet(n.OpType, out _)).Select(n => n.Describe()).Distinct().ToList();
        if (missing.Count > 0)
            throw new GraphException($"Graph '{graphName}': no gradient rule for {string.Join(", ", missing)} on a differentiated path.");

        var builder = GraphBuilder.Extend(model);
        var ctx = new GradientContext(builder, shapes, reached, options);
        var cotangents = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        void Accumulate(string value, string gradient)
        {
            if (!cotangents.TryGetValue(value, out var list)) cotangents[value] = list = [];
            list.Add(gradient);
        }
        string? Total(string value)
        {
            if (!cotangents.TryGetValue(value, out var list)) return null;
            if (list.Count == 1) return list[0];
            // Two terms as Add: ONNX Runtime fuses an Add (not a Sum) into the NCHWc conv that makes one of them.
            var sum = list.Count == 2 ? builder.Node("Add", list) : builder.Node("Sum", list);
            cotangents[value] = [sum];
            return sum;
        }

        var seedInputs = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var seed in seeds)
        {
            var shape = shapes.Shape(seed.Output);
            if (seed.CotangentInput is { } inputName)
            {
                builder.Input(inputName, ElementType.Float, shape);
                seedInputs[seed.Output] = inputName;
                Accumulate(seed.Output, inputName);
            }
            else
            {
                var ones = shape.Length == 0 // a scalar loss: a shared constant, which the rules' scalar factors fold into
                    ? ctx.Scalar(1f)
                    : builder.Node("ConstantOfShape", [ctx.Ints(shape)], Attr.Tensor("value", OneFloat()));
                Accumulate(seed.Output, ones);
            }
        }

        for (var k = active.Count - 1; k >= 0; k--)
        {
            var node = active[k];
            var outputGradients = node.Output.Select(o => o.Length > 0 ? Total(o) : null).ToArray();
            if (outputGradients.All(g => g is null)) continue; // symbolic zero: nothing flows back
            GradientRules.TryGet(node.OpType, out var rule);
            string?[] inputGradients;
            try
            {
                inputGradients = rule(ctx, node, outputGradients);
            }
            catch (Exception e) when (e is ArgumentOutOfRangeException or IndexOutOfRangeException)
            {
                // A rule read an input or a dimension the node lacks: a model ONNX would not accept, not a bug to crash on
                // (the original stays attached, in case it is one).
                throw Malformed(graphName, node, e);
            }
            if (inputGradients.Length != node.Input.Count)
                throw new GraphException($"Graph '{graphName}': {node.Describe()} has {node.Input.Count} inputs where its gradient rule takes {inputGradients.Length} (an input this op does not have at opset 17?).");
            for (var i = 0; i < inputGradients.Length; i++)
                if (inputGradients[i] is { } g && ctx.Needs(node.Input[i]))
                    Accumulate(node.Input[i], g);
        }

        var gradients = new Dictionary<string, string>(StringComparer.Ordinal);
        var producers = new Dictionary<string, NodeProto>(StringComparer.Ordinal);
        var consumed = new HashSet<string>(StringComparer.Ordinal);
        var renamed = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var node in model.Graph.Node)
        {
            foreach (var o in node.Output) if (o.Length > 0) producers[o] = node;
            foreach (var i in node.Input) consumed.Add(i);
        }
        foreach (var name in wrt)
        {
            var shape = shapes.Shape(name);
            var total = Total(name) ?? ctx.Zeros(shape); // no path to any seed: the gradient is exactly zero
            var output = GradientModel.GradientName(name);
            builder.Claim(output);
            if (renamed.TryGetValue(total, out var earlier)) total = earlier; // the same value is an earlier tensor's gradient too
            if (producers.Remove(total, out var producer) && !consumed.Contains(total))
            {
                // A value only this output reads: rename it rather than add an Identity (a node fewer per parameter).
                producer.Output[producer.Output.IndexOf(total)] = output;
                renamed[total] = output;
                total = output;
            }
            else
                builder.AddNode("Identity", builder.UniqueName("grad_output"), [total], [output]);
            consumed.Add(total);
            builder.Output(output, ElementType.Float, shape);
            gradients[name] = output;
        }
        // A renamed value is now a graph output, which declares its shape itself.
        foreach (var info in model.Graph.ValueInfo.Where(v => renamed.ContainsKey(v.Name)).ToList()) model.Graph.ValueInfo.Remove(info);
        var kept = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var value in options?.Cotangents ?? [])
            if (Total(value) is { } total) kept[value] = renamed.GetValueOrDefault(total, total);
        return new GradientModel(model, gradients, seedInputs, shapes.InputShapes, Cotangents: kept);
    }

    private static GraphException Malformed(string graphName, NodeProto node, Exception inner) =>
        new($"Graph '{graphName}': {node.Describe()} lacks an input, an attribute value or a dimension its op needs " +
            $"(inputs [{string.Join(", ", node.Input)}]); the model is not valid ONNX there.", inner);

    /// <summary>
    /// The nodes in an order where every value is produced before it is read. ONNX asks graphs to be sorted, but
    /// ONNX Runtime sorts them itself and so accepts unsorted ones; the reverse walk must not depend on it.
    /// </summary>
    internal static List<NodeProto> TopologicalOrder(GraphProto graph)
    {
        var producer = new Dictionary<string, NodeProto>(StringComparer.Ordinal);
        foreach (var node in graph.Node)
            foreach (var o in node.Output)
                if (o.Length > 0) producer[o] = node;
        var order = new List<NodeProto>(graph.Node.Count);
        var state = new Dictionary<NodeProto, bool>(ReferenceEqualityComparer.Instance); // false: visiting, true: done
        foreach (var root in graph.Node)
        {
            if (state.ContainsKey(root)) continue;
            // Iterative depth-first search: deep networks would overflow a recursive one.
            var stack = new Stack<(NodeProto Node, int Next)>();
            stack.Push((root, 0));
            state[root] = false;
            while (stack.Count > 0)
            {
                var (node, next) = stack.Pop();
                if (next < node.Input.Count)
                {
                    stack.Push((node, next + 1));
                    if (producer.TryGetValue(node.Input[next], out var before))
                    {
                        if (!state.TryGetValue(before, out var done))
                        {
                            state[before] = false;
                            stack.Push((before, 0));
                        }
                        else if (!done)
                            throw new GraphException($"Graph '{graph.Name}' has a cycle through {before.Describe()}.");
                    }
                    continue;
                }
                state[node] = true;
                order.Add(node);
            }
        }
        return order;
    }

    /// <summary>Float values that depend on a wrt tensor (the only ones that can carry a gradient).</summary>
    private static HashSet<string> Reached(List<NodeProto> nodes, IEnumerable<string> wrt, StaticShapes shapes)
    {
        var reached = new HashSet<string>(wrt, StringComparer.Ordinal);
        foreach (var node in nodes)
            if (node.Input.Any(reached.Contains))
                foreach (var o in node.Output)
                    if (o.Length > 0 && shapes.IsFloat(o)) reached.Add(o);
        return reached;
    }

    /// <summary>Nodes, in graph (topological) order, that read a reached value and feed a seeded output.</summary>
    private static List<NodeProto> OnPath(List<NodeProto> nodes, HashSet<string> reached, IEnumerable<string> seeds)
    {
        var needed = new HashSet<string>(seeds, StringComparer.Ordinal);
        var active = new List<NodeProto>();
        for (var k = nodes.Count - 1; k >= 0; k--)
        {
            var node = nodes[k];
            if (!node.Output.Any(o => o.Length > 0 && needed.Contains(o) && reached.Contains(o))) continue;
            active.Add(node);
            foreach (var i in node.Input) if (reached.Contains(i)) needed.Add(i);
        }
        active.Reverse();
        return active;
    }

    private static TensorProto OneFloat()
    {
        var t = new TensorProto { DataType = (int)ElementType.Float };
        t.Dims.Add(1);
        t.FloatData.Add(1f);
        return t;
    }
}
