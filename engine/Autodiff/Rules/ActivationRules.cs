using NasiOnnx.Engine.Graphs;
using Onnx;

namespace NasiOnnx.Engine.Autodiff.Rules;

/// <summary>Elementwise activations: dx = dy · f'(x), with f' written from the forward output where it can be
/// (no recomputation of the activation).</summary>
internal static class ActivationRules
{
    /// <summary>Relu: dy where y &gt; 0, else 0 (0 at the kink, as PyTorch). A bool mask and Where: ORT's Sign, for a
    /// 0/1 float mask to multiply by, runs 3× slower than Greater.</summary>
    public static string?[] Relu(GradientContext ctx, NodeProto node, IReadOnlyList<string?> dy) =>
        ctx.Kernels == GradientKernelMode.Fused
            ? [ctx.Fused(Kernels.GradientKernels.ReluGrad, [node.Output[0], dy[0]!], [ctx.Shape(node.Output[0])])[0]]
            : [ctx.Node("Where", [ctx.Node("Greater", [node.Output[0], ctx.Scalar(0)]), dy[0]!, ctx.Scalar(0)])];

    public static string?[] LeakyRelu(GradientContext ctx, NodeProto node, IReadOnlyList<string?> dy)
    {
        var alpha = node.GetFloat("alpha", 0.01f);
        var positive = ctx.Node("Greater", [node.Input[0], ctx.Scalar(0)]);
        return [ctx.Node("Where", [positive, dy[0]!, ctx.Node("Mul", [dy[0]!, ctx.Scalar(alpha)])])];
    }

    /// <summary>Sigmoid: dy · y · (1 − y).</summary>
    public static string?[] Sigmoid(GradientContext ctx, NodeProto node, IReadOnlyList<string?> dy)
    {
        var y = node.Output[0];
        var slope = ctx.Node("Mul", [y, ctx.Node("Sub", [ctx.Scalar(1), y])]);
        return [ctx.Node("Mul", [dy[0]!, slope])];
    }

    /// <summary>Tanh: dy · (1 − y²).</summary>
    public static string?[] Tanh(GradientContext ctx, NodeProto node, IReadOnlyList<string?> dy)
    {
        var y = node.Output[0];
        var slope = ctx.Node("Sub", [ctx.Scalar(1), ctx.Node("Mul", [y, y])]);
        return [ctx.Node("Mul", [dy[0]!, slope])];
    }

    /// <summary>Clip: dy where min ≤ x ≤ max, else 0; the bounds (inputs 1, 2) get no gradient.</summary>
    public static string?[] Clip(GradientContext ctx, NodeProto node, IReadOnlyList<string?> dy)
    {
        var x = node.Input[0];
        string? mask = null;
        if (node.Input.Count > 1 && node.Input[1].Length > 0)
            mask = ctx.Node("GreaterOrEqual", [x, node.Input[1]]);
        if (node.Input.Count > 2 && node.Input[2].Length > 0)
        {
            var upper = ctx.Node("LessOrEqual", [x, node.Input[2]]);
            mask = mask is null ? upper : ctx.Node("And", [mask, upper]);
        }
        var grads = new string?[node.Input.Count];
        grads[0] = mask is null ? dy[0] : ctx.Node("Where", [mask, dy[0]!, ctx.Scalar(0)]);
        return grads;
    }

    /// <summary>Identity, and Dropout as run for inference (the engine never trains): dx = dy. A Dropout whose
    /// training_mode input is not a constant false would drop units at random: refused.</summary>
    public static string?[] PassThrough(GradientContext ctx, NodeProto node, IReadOnlyList<string?> dy)
    {
        if (node.OpType == "Dropout" && node.Input.Count > 2 && node.Input[2].Length > 0 && ctx.ConstantBool(node.Input[2]) != false)
            throw GradientContext.Unsupported(node, "training_mode that is not a constant false (random masks)");
        var grads = new string?[node.Input.Count];
        grads[0] = dy[0];
        return grads;
    }

    /// <summary>Sign: piecewise constant, zero derivative almost everywhere (emitted by the Relu rule).</summary>
    public static string?[] ZeroDerivative(GradientContext ctx, NodeProto node, IReadOnlyList<string?> dy) =>
        new string?[node.Input.Count];
}
