using NasiOnnx.Engine.Graphs;
using Onnx;

namespace NasiOnnx.Engine.Autodiff.Rules;

/// <summary>
/// Ops that exported classifiers use beyond the core set: MobileNetV3's hard activations, PReLU, ELU, Softplus
/// (Mish), global max-pooling, GELU's Erf (torch writes
/// GELU as x·½·(1 + erf(x/√2)) before opset 20), a ViT's Expand, Gather and LayerNormalization, and the LRN of
/// AlexNet-era networks. Each is checked by the gradient-case table (tests/Autodiff/GradientCases.cs).
/// </summary>
internal static class ExportedOpRules
{
    /// <summary>HardSigmoid y = max(0, min(1, αx + β)): dx = α·dy where 0 &lt; αx + β &lt; 1, else 0.</summary>
    public static string?[] HardSigmoid(GradientContext ctx, NodeProto node, IReadOnlyList<string?> dy)
    {
        var alpha = node.GetFloat("alpha", 0.2f);
        var t = ctx.Node("Add", [ctx.Node("Mul", [node.Input[0], ctx.Scalar(alpha)]), ctx.Scalar(node.GetFloat("beta", 0.5f))]);
        var inside = ctx.Node("And", [ctx.Node("Greater", [t, ctx.Scalar(0)]), ctx.Node("Less", [t, ctx.Scalar(1)])]);
        return [ctx.Node("Where", [inside, ctx.Node("Mul", [dy[0]!, ctx.Scalar(alpha)]), ctx.Scalar(0)])];
    }

    /// <summary>HardSwish y = x·max(0, min(1, x/6 + ½)): dy/dx is 0 below −3, 1 above 3, x/3 + ½ between.</summary>
    public static string?[] HardSwish(GradientContext ctx, NodeProto node, IReadOnlyList<string?> dy)
    {
        var x = node.Input[0];
        var middle = ctx.Node("Add", [ctx.Node("Mul", [x, ctx.Scalar(1f / 3)]), ctx.Scalar(0.5f)]);
        var slope = ctx.Node("Where", [ctx.Node("Less", [x, ctx.Scalar(3)]), middle, ctx.Scalar(1)]);
        slope = ctx.Node("Where", [ctx.Node("Greater", [x, ctx.Scalar(-3)]), slope, ctx.Scalar(0)]);
        return [ctx.Node("Mul", [dy[0]!, slope])];
    }

    /// <summary>PRelu: dx = dy where x &gt; 0, else dy·slope; dslope = Σ dy·x where x ≤ 0, over the axes the slope broadcasts along.</summary>
    public static string?[] PRelu(GradientContext ctx, NodeProto node, IReadOnlyList<string?> dy)
    {
        var (x, slope) = (node.Input[0], node.Input[1]);
        var positive = ctx.Node("Greater", [x, ctx.Scalar(0)]);
        var grads = new string?[node.Input.Count];
        if (ctx.Needs(node, 0)) grads[0] = ctx.Node("Where", [positive, dy[0]!, ctx.Node("Mul", [dy[0]!, slope])]);
        if (ctx.Needs(node, 1))
            grads[1] = ctx.Unbroadcast(ctx.Node("Where", [positive, ctx.Scalar(0), ctx.Node("Mul", [dy[0]!, x])]), ctx.Shape(node.Output[0]), ctx.Shape(slope));
        return grads;
    }

    /// <summary>Elu: dx = dy where x &gt; 0, else dy·(y + α) (α·eˣ, from the output).</summary>
    public static string?[] Elu(GradientContext ctx, NodeProto node, IReadOnlyList<string?> dy)
    {
        var slope = ctx.Node("Add", [node.Output[0], ctx.Scalar(node.GetFloat("alpha", 1f))]);
        return [ctx.Node("Where", [ctx.Node("Greater", [node.Input[0], ctx.Scalar(0)]), dy[0]!, ctx.Node("Mul", [dy[0]!, slope])])];
    }

    /// <summary>Softplus y = ln(1 + eˣ): dx = dy·σ(x).</summary>
    public static string?[] Softplus(GradientContext ctx, NodeProto node, IReadOnlyList<string?> dy) =>
        [ctx.Node("Mul", [dy[0]!, ctx.Node("Sigmoid", [node.Input[0]])])];

    /// <summary>
    /// GlobalMaxPool: dy goes to the position of each channel's maximum (to every tied position, where PyTorch picks
    /// one: ties between float activations at initialization are negligible).
    /// </summary>
    public static string?[] GlobalMaxPool(GradientContext ctx, NodeProto node, IReadOnlyList<string?> dy) =>
        [ctx.Node("Where", [ctx.Node("Equal", [node.Input[0], node.Output[0]]), dy[0]!, ctx.Scalar(0)])];

    /// <summary>Erf: dx = dy · 2/√π · exp(−x²).</summary>
    public static string?[] Erf(GradientContext ctx, NodeProto node, IReadOnlyList<string?> dy)
    {
        var x = node.Input[0];
        var gauss = ctx.Node("Exp", [ctx.Node("Neg", [ctx.Node("Mul", [x, x])])]);
        return [ctx.Node("Mul", [dy[0]!, ctx.Node("Mul", [gauss, ctx.Scalar((float)(2 / Math.Sqrt(Math.PI)))])])];
    }

    /// <summary>Expand broadcasts: dx sums dy back over the broadcast axes; the shape input gets none.</summary>
    public static string?[] Expand(GradientContext ctx, NodeProto node, IReadOnlyList<string?> dy)
    {
        var grads = new string?[node.Input.Count];
        grads[0] = ctx.Unbroadcast(dy[0]!, ctx.Shape(node.Output[0]), ctx.Shape(node.Input[0]));
        return grads;
    }

    /// <summary>
    /// Gather(data, indices, axis) with constant indices (a class token, q/k/v picked from a stacked tensor): with
    /// data read as [P, A, Q] around the axis and the n indices as a one-hot matrix M [n, A], y = M·data and
    /// dx = Mᵀ·dy, one MatMul (repeated indices add up). Indices computed at run time are refused.
    /// </summary>
    public static string?[] Gather(GradientContext ctx, NodeProto node, IReadOnlyList<string?> dy)
    {
        var grads = new string?[node.Input.Count];
        var data = ctx.Shape(node.Input[0]);
        var axis = (int)node.GetInt("axis", 0);
        if (axis < 0) axis += data.Length;
        var indices = ctx.ConstantInts(node.Input[1]) ?? throw GradientContext.Unsupported(node, "indices computed at run time");
        var size = data[axis];
        var oneHot = new float[indices.Length * size];
        for (var i = 0; i < indices.Length; i++)
        {
            var j = indices[i] < 0 ? indices[i] + size : indices[i];
            if (j < 0 || j >= size) throw GradientContext.Unsupported(node, $"index {indices[i]} outside an axis of {size}");
            oneHot[i * size + j] = 1;
        }
        var before = Tensor.Count(data[..axis]);
        var after = Tensor.Count(data[(axis + 1)..]);
        var transposed = ctx.Builder.FloatConstant("grad_gather_onehot", TransposeOf(oneHot, indices.Length, (int)size), size, indices.Length);
        var flat = ctx.Reshape(dy[0]!, [before, indices.Length, after]);
        grads[0] = ctx.Reshape(ctx.Node("MatMul", [transposed, flat]), data);
        return grads;
    }

    private static float[] TransposeOf(float[] m, int rows, int columns)
    {
        var t = new float[m.Length];
        for (var r = 0; r < rows; r++)
        for (var c = 0; c < columns; c++)
            t[c * rows + r] = m[r * columns + c];
        return t;
    }

    /// <summary>
    /// LayerNormalization over the axes from 'axis' on, statistics recomputed: with x̂ = (x − μ)/σ and g = dy·γ,
    /// dx = (g − mean(g) − x̂·mean(g·x̂)) / σ, dγ = Σ dy·x̂ and dβ = Σ dy over the leading axes. Its optional Mean
    /// and InvStdDev outputs are statistics, not activations: a gradient through them is refused.
    /// </summary>
    public static string?[] LayerNormalization(GradientContext ctx, NodeProto node, IReadOnlyList<string?> dy)
    {
        var grads = new string?[node.Input.Count];
        if (dy.Skip(1).Any(g => g is not null)) throw GradientContext.Unsupported(node, "a gradient through its Mean or InvStdDev output");
        if (dy[0] is null) return grads;
        var (x, scale) = (node.Input[0], node.Input[1]);
        var shape = ctx.Shape(x);
        var axis = (int)node.GetInt("axis", -1);
        if (axis < 0) axis += shape.Length;
        var axes = Enumerable.Range(axis, shape.Length - axis).Select(a => (long)a).ToArray();
        var centered = ctx.Node("Sub", [x, ctx.ReduceMean(x, axes, keepDims: true)]);
        var variance = ctx.ReduceMean(ctx.Node("Mul", [centered, centered]), axes, keepDims: true);
        var inverseStd = ctx.Node("Reciprocal", [ctx.Node("Sqrt", [ctx.Node("Add", [variance, ctx.Scalar(node.GetFloat("epsilon", 1e-5f))])])]);
        var normalized = ctx.Node("Mul", [centered, inverseStd]);
        var g = ctx.Node("Mul", [dy[0]!, scale]);
        if (ctx.Needs(node, 0))
        {
            var meanG = ctx.ReduceMean(g, axes, keepDims: true);
            var meanGx = ctx.ReduceMean(ctx.Node("Mul", [g, normalized]), axes, keepDims: true);
            var inner = ctx.Node("Sub", [ctx.Node("Sub", [g, meanG]), ctx.Node("Mul", [normalized, meanGx])]);
            grads[0] = ctx.Node("Mul", [inner, inverseStd]);
        }
        if (ctx.Needs(node, 1))
            grads[1] = ctx.Unbroadcast(ctx.Node("Mul", [dy[0]!, normalized]), shape, ctx.Shape(scale));
        if (ctx.Needs(node, 2))
            grads[2] = ctx.Unbroadcast(dy[0]!, shape, ctx.Shape(node.Input[2]));
        return grads;
    }

    /// <summary>
    /// LRN: y = x·d^(−β), d = bias + α/size · Σ_window x² over channels [c − ⌊(size−1)/2⌋, c + ⌈(size−1)/2⌉].
    /// dx = dy·d^(−β) − 2αβ/size · x · Σ_window' (dy·x·d^(−β−1)), the second window being the first mirrored.
    /// Window sums are a Conv of ones along the channels of x viewed as [N, 1, C, rest].
    /// </summary>
    public static string?[] Lrn(GradientContext ctx, NodeProto node, IReadOnlyList<string?> dy)
    {
        var x = node.Input[0];
        var shape = ctx.Shape(x);
        var size = node.GetInt("size", 1);
        var (alpha, beta, bias) = (node.GetFloat("alpha", 1e-4f), node.GetFloat("beta", 0.75f), node.GetFloat("bias", 1f));
        var (lo, hi) = ((size - 1) / 2, size / 2);
        long[] view = [shape[0], 1, shape[1], Tensor.Count(shape[2..])];
        var ones = ctx.Builder.FloatConstant("grad_lrn_window", Enumerable.Repeat(1f, (int)size).ToArray(), 1, 1, size, 1);
        string Window(string value, long before, long after) => ctx.Reshape(
            ctx.Node("Conv", [ctx.Reshape(value, view), ones], Attr.Ints("kernel_shape", size, 1), Attr.Ints("pads", before, 0, after, 0)), shape);
        var d = ctx.Node("Add", [ctx.Node("Mul", [Window(ctx.Node("Mul", [x, x]), lo, hi), ctx.Scalar(alpha / size)]), ctx.Scalar(bias)]);
        var dPow = ctx.Node("Pow", [d, ctx.Scalar(-beta)]);
        var weighted = ctx.Node("Div", [ctx.Node("Mul", [ctx.Node("Mul", [dy[0]!, x]), dPow]), d]);
        var spread = ctx.Node("Mul", [ctx.Node("Mul", [x, Window(weighted, hi, lo)]), ctx.Scalar(2 * alpha * beta / size)]);
        return [ctx.Node("Sub", [ctx.Node("Mul", [dy[0]!, dPow]), spread])];
    }
}
