using NasiOnnx.Engine.Graphs;
using Onnx;

namespace NasiOnnx.Engine.Autodiff.Rules;

/// <summary>
/// What an LSTM, GRU or RNN node computes, read from its attributes once (ONNX opset 14–22 semantics; opsets 7–13
/// are the same without 'layout'): hidden size, directions, layout, clip, the gate activations of each direction,
/// and which optional inputs are present. Settings the unrolling cannot reproduce exactly are refused here, naming
/// the node.
/// </summary>
internal sealed record RecurrentCell(
    string Op, int Gates, long Hidden, int Directions, bool ReverseOnly, long Layout, float? Clip, bool InputForget,
    bool LinearBeforeReset, RecurrentActivation[][] Activations)
{
    /// <summary>The ONNX recurrent ops, with their gate count (rows of W per direction, in units of hidden_size).</summary>
    public static readonly IReadOnlyDictionary<string, int> GateCounts = new Dictionary<string, int>(StringComparer.Ordinal)
    {
        ["LSTM"] = 4, ["GRU"] = 3, ["RNN"] = 1,
    };

    private static readonly Dictionary<string, string[]> DefaultActivations = new(StringComparer.Ordinal)
    {
        ["LSTM"] = ["Sigmoid", "Tanh", "Tanh"], ["GRU"] = ["Sigmoid", "Tanh"], ["RNN"] = ["Tanh"],
    };

    public static RecurrentCell Of(NodeProto node)
    {
        if (!GateCounts.TryGetValue(node.OpType, out var gates)) throw GradientContext.Unsupported(node, "not a recurrent op");
        var hidden = node.GetInt("hidden_size", 0);
        if (hidden <= 0) throw GradientContext.Unsupported(node, "no positive hidden_size attribute");
        var direction = node.GetString("direction", "forward");
        var directions = direction switch
        {
            "forward" or "reverse" => 1,
            "bidirectional" => 2,
            _ => throw GradientContext.Unsupported(node, $"direction '{direction}' (ONNX has forward, reverse, bidirectional)"),
        };
        var layout = node.GetInt("layout", 0);
        if (layout is not (0 or 1)) throw GradientContext.Unsupported(node, $"layout {layout} (ONNX has 0 and 1)");
        float? clip = node.Find("clip") is { } c ? c.F : null;
        if (clip is <= 0) throw GradientContext.Unsupported(node, $"clip {clip} (a threshold must be positive)");

        var perDirection = DefaultActivations[node.OpType].Length;
        var names = node.Find("activations")?.Strings.Select(s => s.ToStringUtf8()).ToArray() ?? [];
        if (names.Length == 0) names = Enumerable.Range(0, directions).SelectMany(_ => DefaultActivations[node.OpType]).ToArray();
        if (names.Length != perDirection * directions)
            throw GradientContext.Unsupported(node, $"{names.Length} activations where {node.OpType} takes {perDirection} per direction");
        var alphas = new Queue<float>(node.GetFloats("activation_alpha") ?? []);
        var betas = new Queue<float>(node.GetFloats("activation_beta") ?? []);
        var resolved = names.Select(n => RecurrentActivation.Parse(node, n, alphas, betas)).ToArray();
        return new RecurrentCell(node.OpType, gates, hidden, directions, direction == "reverse", layout, clip,
            node.GetInt("input_forget", 0) != 0, node.GetInt("linear_before_reset", 0) != 0,
            Enumerable.Range(0, directions).Select(d => resolved[(d * perDirection)..((d + 1) * perDirection)]).ToArray());
    }

    /// <summary>Whether direction <paramref name="d"/> runs from the last step to the first.</summary>
    public bool Reversed(int d) => ReverseOnly || d == 1;
}

/// <summary>
/// One gate activation of a recurrent op, with its alpha and beta. Activation parameters are consumed from the
/// activation_alpha/activation_beta lists in order by the functions that take them (ONNX Runtime's reading); absent
/// ones take the standalone op's defaults. Functions without an exact differentiable form here are refused.
/// </summary>
internal sealed record RecurrentActivation(string Name, float Alpha, float Beta)
{
    public static RecurrentActivation Parse(NodeProto node, string name, Queue<float> alphas, Queue<float> betas)
    {
        float Take(Queue<float> q, float? fallback, string what) =>
            q.TryDequeue(out var v) ? v
            : fallback ?? throw GradientContext.Unsupported(node, $"activation {name} without its {what} (activation_{what})");
        return name.ToLowerInvariant() switch
        {
            "sigmoid" => new("Sigmoid", 0, 0),
            "tanh" => new("Tanh", 0, 0),
            "relu" => new("Relu", 0, 0),
            "softplus" => new("Softplus", 0, 0),
            "leakyrelu" => new("LeakyRelu", Take(alphas, 0.01f, "alpha"), 0),
            "elu" => new("Elu", Take(alphas, 1f, "alpha"), 0),
            "hardsigmoid" => new("HardSigmoid", Take(alphas, 0.2f, "alpha"), Take(betas, 0.5f, "beta")),
            "affine" => new("Affine", Take(alphas, null, "alpha"), Take(betas, null, "beta")),
            "scaledtanh" => new("ScaledTanh", Take(alphas, null, "alpha"), Take(betas, null, "beta")),
            _ => throw GradientContext.Unsupported(node, $"activation '{name}' (differentiable here: Sigmoid, Tanh, Relu, Softplus, LeakyRelu, Elu, HardSigmoid, Affine, ScaledTanh)"),
        };
    }
}
