using NasiOnnx.Engine.Graphs;
using Onnx;

namespace NasiOnnx.Engine.Autodiff.Rules;

/// <summary>Softmax, LogSoftmax and the softmax cross-entropy loss, written from the forward outputs.</summary>
internal static class SoftmaxRules
{
    /// <summary>Softmax (opset ≥ 13, one axis): dx = y · (dy − Σ_axis dy·y).</summary>
    public static string?[] Softmax(GradientContext ctx, NodeProto node, IReadOnlyList<string?> dy)
    {
        var y = node.Output[0];
        var axis = Axis(ctx, node);
        var weighted = ctx.ReduceSum(ctx.Node("Mul", [dy[0]!, y]), [axis], keepDims: true);
        return [ctx.Node("Mul", [y, ctx.Node("Sub", [dy[0]!, weighted])])];
    }

    /// <summary>LogSoftmax (opset ≥ 13, one axis): dx = dy − exp(y) · Σ_axis dy.</summary>
    public static string?[] LogSoftmax(GradientContext ctx, NodeProto node, IReadOnlyList<string?> dy)
    {
        var y = node.Output[0];
        var axis = Axis(ctx, node);
        var total = ctx.ReduceSum(dy[0]!, [axis], keepDims: true);
        return [ctx.Node("Sub", [dy[0]!, ctx.Node("Mul", [ctx.Node("Exp", [y]), total])])];
    }

    /// <summary>
    /// SoftmaxCrossEntropyLoss(scores [N,C,…], labels [N,…]) without class weights or ignore_index:
    /// d scores = (softmax(scores) − onehot(labels)) · dL, where dL is dy / (N·…) for reduction "mean", dy for
    /// "sum", and dy per sample for "none". The softmax comes from the node's log_prob output when declared.
    /// </summary>
    public static string?[] SoftmaxCrossEntropyLoss(GradientContext ctx, NodeProto node, IReadOnlyList<string?> dy)
    {
        if (node.Input.Count > 2 && node.Input[2].Length > 0) throw GradientContext.Unsupported(node, "class weights");
        if (node.Find("ignore_index") is not null) throw GradientContext.Unsupported(node, "ignore_index");
        if (dy.Count > 1 && dy[1] is not null) throw GradientContext.Unsupported(node, "a cotangent on log_prob");
        var grads = new string?[node.Input.Count];
        if (dy[0] is null || !ctx.Needs(node, 0)) return grads;

        var (scores, labels) = (node.Input[0], node.Input[1]);
        var classes = ctx.Shape(scores)[1];
        var logProb = node.Output.Count > 1 && node.Output[1].Length > 0
            ? node.Output[1]
            : ctx.Node("LogSoftmax", [scores], Attr.Int("axis", 1));
        var oneHot = ctx.Node("OneHot", [labels, ctx.Ints(classes), ctx.Builder.FloatConstant("grad_onehot_values", [0f, 1f], 2)],
            Attr.Int("axis", 1));
        var residual = ctx.Node("Sub", [ctx.Node("Exp", [logProb]), oneHot]);
        var reduction = node.GetString("reduction", "mean");
        var dLoss = reduction switch
        {
            "mean" => ctx.Node("Mul", [dy[0]!, ctx.Scalar(1f / Tensor.Count(ctx.Shape(labels)))]),
            "sum" => dy[0]!,
            "none" => ctx.Node("Unsqueeze", [dy[0]!, ctx.Ints(1)]),
            _ => throw GradientContext.Unsupported(node, $"reduction '{reduction}'"),
        };
        grads[0] = ctx.Node("Mul", [residual, dLoss]);
        return grads;
    }

    private static long Axis(GradientContext ctx, NodeProto node)
    {
        if (ctx.Opset < 13) throw GradientContext.Unsupported(node, $"opset {ctx.Opset} (the rule follows the one-axis semantics of opset 13)");
        return node.GetInt("axis", -1);
    }
}
