using Onnx;

namespace NasiOnnx.Engine.Autodiff.Rules;

/// <summary>Broadcasting arithmetic: the gradient is formed at the output's shape, then
/// <see cref="GradientContext.Unbroadcast"/> sums it back to each input's shape.</summary>
internal static class ArithmeticRules
{
    public static string?[] Add(GradientContext ctx, NodeProto node, IReadOnlyList<string?> dy) =>
        [ToInput(ctx, node, 0, () => dy[0]!), ToInput(ctx, node, 1, () => dy[0]!)];

    public static string?[] Sub(GradientContext ctx, NodeProto node, IReadOnlyList<string?> dy) =>
        [ToInput(ctx, node, 0, () => dy[0]!), ToInput(ctx, node, 1, () => ctx.Node("Neg", [dy[0]!]))];

    public static string?[] Mul(GradientContext ctx, NodeProto node, IReadOnlyList<string?> dy) =>
    [
        ToInput(ctx, node, 0, () => ctx.Node("Mul", [dy[0]!, node.Input[1]])),
        ToInput(ctx, node, 1, () => ctx.Node("Mul", [dy[0]!, node.Input[0]])),
    ];

    /// <summary>Div: da = dy / b; db = −dy · y / b, reusing the forward quotient y = a / b.</summary>
    public static string?[] Div(GradientContext ctx, NodeProto node, IReadOnlyList<string?> dy) =>
    [
        ToInput(ctx, node, 0, () => ctx.Node("Div", [dy[0]!, node.Input[1]])),
        ToInput(ctx, node, 1, () => ctx.Node("Neg", [ctx.Node("Div", [ctx.Node("Mul", [dy[0]!, node.Output[0]]), node.Input[1]])])),
    ];

    /// <summary>Sum (variadic, broadcasting): every input receives dy.</summary>
    public static string?[] Sum(GradientContext ctx, NodeProto node, IReadOnlyList<string?> dy) =>
        Enumerable.Range(0, node.Input.Count).Select(i => ToInput(ctx, node, i, () => dy[0]!)).ToArray();

    private static string? ToInput(GradientContext ctx, NodeProto node, int index, Func<string> gradientAtOutput) =>
        ctx.Needs(node, index)
            ? ctx.Unbroadcast(gradientAtOutput(), ctx.Shape(node.Output[0]), ctx.Shape(node.Input[index]))
            : null;
}
