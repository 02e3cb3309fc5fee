using NasiOnnx.Engine.Autodiff.Rules;

namespace NasiOnnx.Engine.Autodiff;

/// <summary>
/// Every gradient rule, by ONNX op type (ai.onnx domain, opset 13–17 semantics). This is the whole of the
/// differentiation knowledge: an op missing here is refused when it lies on a differentiated path, never treated as
/// a constant. Inputs a rule leaves without gradient are noted beside it.
/// </summary>
public static class GradientRules
{
    private static readonly Dictionary<string, GradientRule> Rules = new(StringComparer.Ordinal)
    {
        // Activations (elementwise, from the forward output where possible)
        ["Relu"] = ActivationRules.Relu,
        ["LeakyRelu"] = ActivationRules.LeakyRelu,
        ["Sigmoid"] = ActivationRules.Sigmoid,
        ["Tanh"] = ActivationRules.Tanh,
        ["Clip"] = ActivationRules.Clip,                  // min, max: none
        ["Identity"] = ActivationRules.PassThrough,
        ["Dropout"] = ActivationRules.PassThrough,        // inference semantics; ratio, training_mode: none
        ["Sign"] = ActivationRules.ZeroDerivative,        // piecewise constant

        // Broadcasting arithmetic
        ["Add"] = ArithmeticRules.Add,
        ["Sub"] = ArithmeticRules.Sub,
        ["Mul"] = ArithmeticRules.Mul,
        ["Div"] = ArithmeticRules.Div,
        ["Sum"] = ArithmeticRules.Sum,

        // Linear algebra
        ["Gemm"] = LinearRules.Gemm,
        ["MatMul"] = LinearRules.MatMul,

        // Convolution and pooling
        ["Conv"] = ConvRules.Conv,
        ["ConvTranspose"] = ConvTransposeRules.ConvTranspose,
        ["MaxPool"] = PoolRules.MaxPool,
        ["AveragePool"] = PoolRules.AveragePool,
        ["GlobalAveragePool"] = PoolRules.GlobalAveragePool,
        ["LpPool"] = LpRules.LpPool,
        ["GlobalLpPool"] = LpRules.GlobalLpPool,
        ["Resize"] = ResizeRules.Resize,                  // roi, scales, sizes: none (must be constant); Upsample becomes Resize

        // Normalisation
        ["BatchNormalization"] = NormalizationRules.BatchNormalization, // input_mean, input_var: none
        ["InstanceNormalization"] = NormalizationRules.InstanceNormalization, // GroupNormalization becomes one in OpsetUpgrade
        ["LpNormalization"] = LpRules.LpNormalization,

        // Data movement
        ["Flatten"] = ShapeRules.Reshape,
        ["Reshape"] = ShapeRules.Reshape,                 // shape: none
        ["Transpose"] = ShapeRules.Transpose,
        ["Concat"] = ShapeRules.Concat,
        ["Slice"] = ShapeRules.Slice,                     // starts, ends, axes, steps: none
        ["Pad"] = ShapeRules.Pad,                         // pads, constant_value: none
        ["Squeeze"] = ShapeRules.Reshape,                 // axes: none
        ["Unsqueeze"] = ShapeRules.Reshape,               // axes: none
        ["Split"] = ReductionRules.Split,                 // split: none
        ["DepthToSpace"] = DepthSpaceRules.DepthToSpace,
        ["SpaceToDepth"] = DepthSpaceRules.SpaceToDepth,

        // Reductions
        ["ReduceSum"] = ReductionRules.ReduceSum,         // axes: none (must be constant)
        ["ReduceMean"] = ReductionRules.ReduceMean,

        // Softmax family and the loss head
        ["Softmax"] = SoftmaxRules.Softmax,
        ["LogSoftmax"] = SoftmaxRules.LogSoftmax,
        ["SoftmaxCrossEntropyLoss"] = SoftmaxRules.SoftmaxCrossEntropyLoss, // labels, weights: none

        // Ops of exported classifiers beyond the core set (MobileNetV3, GELU, ViT, LRN-era CNNs)
        ["HardSigmoid"] = ExportedOpRules.HardSigmoid,
        ["HardSwish"] = ExportedOpRules.HardSwish,
        ["Erf"] = ExportedOpRules.Erf,
        ["PRelu"] = ExportedOpRules.PRelu,
        ["Elu"] = ExportedOpRules.Elu,
        ["Softplus"] = ExportedOpRules.Softplus,
        ["GlobalMaxPool"] = ExportedOpRules.GlobalMaxPool,
        ["Expand"] = ExportedOpRules.Expand,              // shape: none
        ["Gather"] = ExportedOpRules.Gather,              // indices: none (must be constant)
        ["LayerNormalization"] = ExportedOpRules.LayerNormalization,
        ["LRN"] = ExportedOpRules.Lrn,

        // Issue 25: recurrent ops, unrolled over their static sequence length and differentiated through the
        // unrolled steps (RecurrentRules); sequence_lens: none
        ["LSTM"] = RecurrentRules.Recurrent,
        ["GRU"] = RecurrentRules.Recurrent,
        ["RNN"] = RecurrentRules.Recurrent,
    };

    /// <summary>The op types that have a rule.</summary>
    public static IReadOnlyCollection<string> OpTypes => Rules.Keys;

    public static bool TryGet(string opType, out GradientRule rule) => Rules.TryGetValue(opType, out rule!);
}
