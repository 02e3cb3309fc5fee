using NasiOnnx.Engine.Graphs;
using NasiOnnx.Engine.Runtime;
using Onnx;

namespace NasiOnnx.Engine.Autodiff;

/// <summary>
/// The gradient of the batch-mean softmax cross-entropy of a classifier: appends a loss head
/// (int64 input "labels" [b], SoftmaxCrossEntropyLoss with reduction "mean", output "loss") to a forward model and
/// differentiates it; the loss node is then written as plain ops (see <see cref="ExpandLossHead"/>).
/// </summary>
public static class LossGradient
{
    public const string LabelsInput = "labels";
    public const string LossOutput = "loss";

    /// <summary>
    /// A model with inputs (the forward's, plus "labels" int64 [b]) and outputs: the forward's (logits included),
    /// "loss" (scalar), and "grad/θ" for every parameter θ, then for every name in <paramref name="wrtInputs"/>.
    /// </summary>
    /// <param name="forward">The classifier; it is not modified.</param>
    /// <param name="inputShape">The shape of the data input (b, C, H, W): the model is specialised to it.</param>
    /// <param name="logitsName">The [b, classes] logits value; default the first graph output.</param>
    /// <param name="wrtInputs">Further tensors to differentiate with respect to (e.g. architecture weights given
    /// as graph inputs, whose shapes must be static in the model or listed in <paramref name="otherInputShapes"/>).</param>
    /// <param name="inputName">The data input; default the first graph input that is not an initializer.</param>
    /// <param name="otherInputShapes">Shapes for further graph inputs with symbolic dimensions.</param>
    /// <param name="withParameters">Whether the parameters are differentiated too (false: only <paramref name="wrtInputs"/>,
    /// and the weight gradients are never computed).</param>
    /// <param name="options">Standard ops (any provider) or the fused CPU kernels (<see cref="SessionFactory.GradientKernels"/>
    /// says which a session's options allow), and whether the weights stay constant (default: standard ops, weights
    /// that may become graph inputs).</param>
    public static GradientModel Build(ModelProto forward, long[] inputShape, string? logitsName = null,
        IReadOnlyList<string>? wrtInputs = null, string? inputName = null, IReadOnlyDictionary<string, long[]>? otherInputShapes = null,
        GradientOptions? options = null, bool withParameters = true)
    {
        var model = forward.Clone();
        var graph = model.Graph;
        var initializers = new HashSet<string>(graph.Initializer.Select(t => t.Name), StringComparer.Ordinal);
        var input = inputName ?? graph.Input.FirstOrDefault(i => !initializers.Contains(i.Name))?.Name
                    ?? throw new GraphException($"Graph '{graph.Name}' has no data input.");
        var logits = logitsName ?? graph.Output.FirstOrDefault()?.Name
                     ?? throw new GraphException($"Graph '{graph.Name}' has no output to use as logits.");
        if (graph.Input.Any(i => i.Name == LabelsInput) || graph.Output.Any(o => o.Name == LossOutput))
            throw new GraphException($"Graph '{graph.Name}' already has a '{LabelsInput}' input or '{LossOutput}' output.");
        CommonSubexpressions.Merge(model, [logits, .. wrtInputs ?? []]); // one ReLU backward per node, not per edge

        var builder = GraphBuilder.Extend(model);
        var batch = inputShape[0];
        var labels = builder.Input(LabelsInput, ElementType.Int64, batch);
        builder.Claim(LossOutput);
        var head = builder.AddNode("SoftmaxCrossEntropyLoss", builder.UniqueName("loss_head"), [logits, labels],
            [LossOutput, builder.UniqueName("loss_log_prob")], Attr.String("reduction", "mean"));
        builder.Output(LossOutput, ElementType.Float, []);

        var shapes = new Dictionary<string, long[]>(otherInputShapes ?? new Dictionary<string, long[]>(), StringComparer.Ordinal)
        {
            [input] = inputShape,
            [LabelsInput] = [batch],
        };
        var wrt = (withParameters ? ParameterSet.Of(forward).Names : []).Concat(wrtInputs ?? []).ToList();
        var known = StaticShapes.For(model, shapes, [input, LabelsInput]);
        if (!known.Contains(logits) || known.Shape(logits) is not [var rows, _, ..] || rows != batch || !known.IsFloat(logits))
        {
            var what = known.Contains(logits) ? $"{known.Type(logits)} [{string.Join(", ", known.Shape(logits))}]" : "of unknown shape";
            throw new GraphException($"Graph '{graph.Name}': output '{logits}' is {what}; the loss needs float logits [batch {batch}, classes, …].");
        }
        var result = Vjp.BuildInPlace(model, [GradientSeed.Ones(LossOutput)], known, wrt, options);
        ExpandLossHead(builder, head);
        return result with { Loss = LossOutput, Logits = logits, Labels = LabelsInput };
    }

    /// <summary>
    /// Swaps the loss node, whose gradient rule has been applied by now, for four plain ops that compute the same
    /// outputs: loss = −mean(log_softmax(logits)[label]). ONNX Runtime's CPU provider has no kernel for
    /// SoftmaxCrossEntropyLoss and inlines its function body (a dozen nodes, transposes included) while making every
    /// session, which its graph transformers then rewrite: about a fifth of a default-cell session's creation.
    /// </summary>
    private static void ExpandLossHead(GraphBuilder builder, NodeProto head)
    {
        var (logits, labels, loss, logProb) = (head.Input[0], head.Input[1], head.Output[0], head.Output[1]);
        var opset = builder.Opset;
        var column = builder.UniqueName("loss_labels");
        var picked = builder.UniqueName("loss_picked");
        var mean = builder.UniqueName("loss_mean");
        NodeProto Make(string op, string[] inputs, string output, params AttributeProto[] attributes)
        {
            var node = new NodeProto { OpType = op, Name = builder.UniqueName($"loss_{op}") };
            node.Input.AddRange(inputs);
            node.Output.Add(output);
            node.Attribute.AddRange(attributes);
            return node;
        }
        NodeProto[] nodes =
        [
            Make("LogSoftmax", [logits], logProb, Attr.Int("axis", 1)),
            opset >= 13
                ? Make("Unsqueeze", [labels, builder.Int64Constant("loss_axis", 1)], column)
                : Make("Unsqueeze", [labels], column, Attr.Ints("axes", 1)),
            Make("GatherElements", [logProb, column], picked, Attr.Int("axis", 1)),
            Make("ReduceMean", [picked], mean, Attr.Int("keepdims", 0)),
            Make("Neg", [mean], loss),
        ];
        var graph = builder.Model.Graph;
        var at = graph.Node.IndexOf(head);
        graph.Node.RemoveAt(at);
        for (var i = 0; i < nodes.Length; i++) graph.Node.Insert(at + i, nodes[i]);
    }
}
