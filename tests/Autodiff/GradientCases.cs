using NasiOnnx.Engine.Graphs;
using NasiOnnx.Engine.Init;
using Onnx;
using static NasiOnnx.Tests.Autodiff.CaseInput;

namespace NasiOnnx.Tests.Autodiff;

/// <summary>The gradient check table: every op with a rule, in its attribute variants.</summary>
public static class GradientCases
{
    private static readonly long[] X4 = [2, 3, 4, 5];
    private static readonly Action<Rng, float[]> NotAtZero = Sampling.AwayFrom(0);

    private static GradientCase Case(string name, string op, CaseInput[] inputs, params AttributeProto[] attributes) =>
        new(name, op, attributes, inputs);

    public static IEnumerable<GradientCase> All()
    {
        // Activations
        yield return Case("Relu", "Relu", [Var(X4, NotAtZero)]);
        yield return Case("LeakyRelu alpha 0.2", "LeakyRelu", [Var(X4, NotAtZero)], Attr.Float("alpha", 0.2f));
        yield return Case("Sigmoid", "Sigmoid", [Var(X4)]);
        yield return Case("Tanh", "Tanh", [Var(X4)]);
        yield return Case("Clip min max", "Clip", [Var(X4, Sampling.AwayFrom(-0.5f, 0.5f)), Const([], (_, v) => v[0] = -0.5f), Const([], (_, v) => v[0] = 0.5f)]);
        yield return Case("Clip min only", "Clip", [Var(X4, Sampling.AwayFrom(-0.5f)), Const([], (_, v) => v[0] = -0.5f)]);
        yield return Case("Identity", "Identity", [Var(X4)]);
        yield return Case("Dropout (inference)", "Dropout", [Var(X4)]);

        // Broadcasting arithmetic
        foreach (var op in new[] { "Add", "Sub", "Mul", "Div" })
        {
            Action<Rng, float[]>? denominator = op == "Div" ? Sampling.Positive : null;
            yield return Case($"{op} same shape", op, [Var(X4), Var(X4, denominator)]);
            yield return Case($"{op} [2,3,4,5] by [3,1,1]", op, [Var(X4), Var([3, 1, 1], denominator)]);
            yield return Case($"{op} [2,3,4,5] by [5]", op, [Var(X4), Var([5], denominator)]);
            yield return Case($"{op} [2,3,4,5] by scalar", op, [Var(X4), Var([], denominator)]);
            yield return Case($"{op} [3,1,1] by [2,3,4,5]", op, [Var([3, 1, 1]), Var(X4, denominator)]);
            yield return Case($"{op} [1,3,1,5] by [2,1,4,1]", op, [Var([1, 3, 1, 5]), Var([2, 1, 4, 1], denominator)]);
        }
        yield return Case("Sum of three, broadcasting", "Sum", [Var(X4), Var([4, 1]), Var([1])]);

        // Linear algebra
        yield return Case("Gemm", "Gemm", [Var([3, 4]), Var([4, 5]), Var([5])]);
        yield return Case("Gemm transA", "Gemm", [Var([4, 3]), Var([4, 5]), Var([3, 5])], Attr.Int("transA", 1));
        yield return Case("Gemm transB", "Gemm", [Var([3, 4]), Var([5, 4]), Var([1, 5])], Attr.Int("transB", 1));
        yield return Case("Gemm transA transB alpha beta", "Gemm", [Var([4, 3]), Var([5, 4]), Var([3, 1])],
            Attr.Int("transA", 1), Attr.Int("transB", 1), Attr.Float("alpha", 0.7f), Attr.Float("beta", -1.3f));
        yield return Case("Gemm scalar C", "Gemm", [Var([3, 4]), Var([4, 5]), Var([])]);
        yield return Case("Gemm without C", "Gemm", [Var([3, 4]), Var([4, 5])]);
        yield return Case("MatMul", "MatMul", [Var([3, 4]), Var([4, 5])]);
        yield return Case("MatMul batched by matrix", "MatMul", [Var([2, 3, 4]), Var([4, 5])]);
        yield return Case("MatMul broadcast batch", "MatMul", [Var([2, 1, 3, 4]), Var([3, 4, 5])]);
        yield return Case("MatMul vector by matrix", "MatMul", [Var([4]), Var([2, 4, 5])]);
        yield return Case("MatMul matrix by vector", "MatMul", [Var([2, 3, 4]), Var([4])]);

        // Convolution
        CaseInput[] ConvInputs(long c, long m, long cPerGroup, long k, long size = 7, bool bias = true) =>
            bias ? [Var([2, c, size, size]), Var([m, cPerGroup, k, k]), Var([m])] : [Var([2, c, size, size]), Var([m, cPerGroup, k, k])];
        yield return Case("Conv 3x3", "Conv", ConvInputs(4, 6, 4, 3));
        yield return Case("Conv 3x3 pads 1", "Conv", ConvInputs(4, 6, 4, 3), Attr.Ints("pads", 1, 1, 1, 1));
        yield return Case("Conv 3x3 stride 2", "Conv", ConvInputs(4, 6, 4, 3), Attr.Ints("strides", 2, 2));
        yield return Case("Conv 3x3 stride 2 pads 1 even input", "Conv", ConvInputs(4, 6, 4, 3, size: 8), Attr.Ints("strides", 2, 2), Attr.Ints("pads", 1, 1, 1, 1));
        yield return Case("Conv 3x3 asymmetric pads", "Conv", ConvInputs(4, 6, 4, 3), Attr.Ints("pads", 0, 1, 2, 1));
        yield return Case("Conv 3x3 dilation 2", "Conv", ConvInputs(4, 6, 4, 3), Attr.Ints("dilations", 2, 2), Attr.Ints("pads", 2, 2, 2, 2));
        yield return Case("Conv groups 2", "Conv", ConvInputs(4, 6, 2, 3), Attr.Int("group", 2), Attr.Ints("pads", 1, 1, 1, 1));
        yield return Case("Conv depthwise", "Conv", ConvInputs(4, 4, 1, 3), Attr.Int("group", 4), Attr.Ints("pads", 1, 1, 1, 1));
        yield return Case("Conv depthwise multiplier 2 stride 2", "Conv", ConvInputs(4, 8, 1, 3, size: 8), Attr.Int("group", 4), Attr.Ints("strides", 2, 2), Attr.Ints("pads", 1, 1, 1, 1));
        yield return Case("Conv no bias", "Conv", ConvInputs(4, 6, 4, 3, bias: false), Attr.Ints("pads", 1, 1, 1, 1));
        yield return Case("Conv 1x1", "Conv", ConvInputs(4, 6, 4, 1));
        yield return Case("Conv 1x1 stride 2", "Conv", ConvInputs(4, 6, 4, 1), Attr.Ints("strides", 2, 2));
        yield return Case("Conv 5x5 pads 2", "Conv", ConvInputs(4, 6, 4, 5), Attr.Ints("pads", 2, 2, 2, 2));
        yield return Case("Conv auto_pad SAME_UPPER stride 2", "Conv", ConvInputs(4, 6, 4, 3, size: 8), Attr.String("auto_pad", "SAME_UPPER"), Attr.Ints("strides", 2, 2));
        yield return Case("Conv auto_pad SAME_LOWER", "Conv", ConvInputs(4, 6, 4, 4), Attr.String("auto_pad", "SAME_LOWER"));
        yield return Case("Conv auto_pad VALID dilation 2 stride 2", "Conv", ConvInputs(4, 6, 4, 3, size: 9), Attr.String("auto_pad", "VALID"), Attr.Ints("dilations", 2, 2), Attr.Ints("strides", 2, 2));
        yield return Case("Conv 1-D", "Conv", [Var([2, 3, 9]), Var([4, 3, 3]), Var([4])], Attr.Ints("pads", 1, 1), Attr.Ints("strides", 2));
        yield return Case("Conv 3-D", "Conv", [Var([2, 2, 4, 5, 3]), Var([3, 2, 3, 2, 3]), Var([3])], Attr.Ints("pads", 1, 0, 1, 1, 1, 0), Attr.Ints("strides", 1, 2, 1));
        yield return Case("Conv groups 2 stride 2 dilation 2", "Conv", ConvInputs(4, 6, 2, 3, size: 9), Attr.Int("group", 2), Attr.Ints("strides", 2, 2), Attr.Ints("dilations", 2, 2), Attr.Ints("pads", 1, 2, 2, 1));

        // Normalisation (running statistics are constants; training mode declares all three outputs)
        CaseInput[] Bn(long[] x) => [Var(x), Var([x[1]]), Var([x[1]]), Const([x[1]], Sampling.Gaussian), Const([x[1]], Sampling.Positive)];
        yield return new GradientCase("BatchNormalization training", "BatchNormalization",
            [Attr.Int("training_mode", 1), Attr.Float("epsilon", 1e-3f)], Bn([4, 3, 5, 5]), Outputs: 3);
        yield return new GradientCase("BatchNormalization training 2-D", "BatchNormalization",
            [Attr.Int("training_mode", 1)], Bn([8, 3]), Outputs: 3);
        yield return Case("BatchNormalization inference", "BatchNormalization", Bn([4, 3, 5, 5]));

        foreach (var c in ConvolutionalGradientCases.All()) yield return c;

        // Pooling
        yield return Case("MaxPool 2x2 stride 2", "MaxPool", [Var([2, 3, 6, 6], Sampling.Distinct)], Attr.Ints("kernel_shape", 2, 2), Attr.Ints("strides", 2, 2));
        yield return Case("MaxPool 3x3 pads 1 (overlapping)", "MaxPool", [Var([2, 3, 6, 6], Sampling.Distinct)], Attr.Ints("kernel_shape", 3, 3), Attr.Ints("pads", 1, 1, 1, 1));
        yield return Case("MaxPool 3x3 stride 2 ceil_mode", "MaxPool", [Var([2, 3, 6, 6], Sampling.Distinct)], Attr.Ints("kernel_shape", 3, 3), Attr.Ints("strides", 2, 2), Attr.Int("ceil_mode", 1));
        yield return Case("AveragePool 2x2 stride 2", "AveragePool", [Var([2, 3, 6, 6])], Attr.Ints("kernel_shape", 2, 2), Attr.Ints("strides", 2, 2));
        yield return Case("AveragePool 3x3 pads 1 exclude pad", "AveragePool", [Var([2, 3, 6, 6])], Attr.Ints("kernel_shape", 3, 3), Attr.Ints("pads", 1, 1, 1, 1));
        yield return Case("AveragePool 3x3 pads 1 include pad", "AveragePool", [Var([2, 3, 6, 6])], Attr.Ints("kernel_shape", 3, 3), Attr.Ints("pads", 1, 1, 1, 1), Attr.Int("count_include_pad", 1));
        yield return Case("AveragePool 3x3 stride 2 pads 1 exclude pad", "AveragePool", [Var([2, 3, 7, 7])], Attr.Ints("kernel_shape", 3, 3), Attr.Ints("strides", 2, 2), Attr.Ints("pads", 1, 1, 1, 1));
        yield return Case("AveragePool 3x3 stride 2 ceil_mode", "AveragePool", [Var([2, 3, 6, 6])], Attr.Ints("kernel_shape", 3, 3), Attr.Ints("strides", 2, 2), Attr.Int("ceil_mode", 1));
        yield return Case("GlobalAveragePool", "GlobalAveragePool", [Var([2, 3, 4, 5])]);

        // Data movement
        yield return Case("Concat axis 1", "Concat", [Var([2, 3, 4]), Var([2, 1, 4]), Var([2, 2, 4])], Attr.Int("axis", 1));
        yield return Case("Concat axis -1", "Concat", [Var([2, 3, 4]), Var([2, 3, 2])], Attr.Int("axis", -1));
        yield return Case("Slice unit steps", "Slice", [Var([4, 6, 5]), Int64(1, -4), Int64(3, 100), Int64(0, 1)]);
        yield return Case("Slice step 2", "Slice", [Var([4, 6, 5]), Int64(1, 0), Int64(6, 5), Int64(1, 2), Int64(2, 2)]);
        yield return Case("Slice negative step", "Slice", [Var([4, 6, 5]), Int64(-1), Int64(-100), Int64(1), Int64(-2)]);
        yield return Case("Pad constant", "Pad", [Var([2, 3, 4]), Int64(0, 1, 2, 1, 0, 3)]);
        yield return Case("Pad with negative pads", "Pad", [Var([2, 3, 4]), Int64(0, -1, 2, 0, 1, -2)]);
        yield return Case("Flatten axis 1", "Flatten", [Var(X4)], Attr.Int("axis", 1));
        yield return Case("Flatten axis 2", "Flatten", [Var(X4)], Attr.Int("axis", 2));
        yield return Case("Reshape", "Reshape", [Var(X4), Int64(6, -1)]);
        yield return Case("Transpose perm", "Transpose", [Var(X4)], Attr.Ints("perm", 2, 0, 3, 1));
        yield return Case("Transpose default", "Transpose", [Var([2, 3, 4])]);
        yield return Case("Squeeze", "Squeeze", [Var([2, 1, 4, 1]), Int64(1, -1)]);
        yield return Case("Unsqueeze", "Unsqueeze", [Var([2, 4]), Int64(0, 3)]);
        yield return new GradientCase("Split sizes", "Split", [Attr.Int("axis", 1)], [Var([2, 6, 3]), Int64(1, 2, 3)], Outputs: 3);
        yield return new GradientCase("Split equal", "Split", [Attr.Int("axis", 0)], [Var([4, 6])], Outputs: 2);

        // Reductions
        yield return Case("ReduceSum axes keepdims", "ReduceSum", [Var(X4), Int64(1, 3)]);
        yield return Case("ReduceSum negative axis no keepdims", "ReduceSum", [Var(X4), Int64(-2)], Attr.Int("keepdims", 0));
        yield return Case("ReduceSum all", "ReduceSum", [Var([3, 4])], Attr.Int("keepdims", 0));
        yield return Case("ReduceMean spatial", "ReduceMean", [Var(X4)], Attr.Ints("axes", 2, 3));
        yield return Case("ReduceMean all no keepdims", "ReduceMean", [Var([3, 4])], Attr.Int("keepdims", 0));

        // Softmax family and the loss
        yield return Case("Softmax axis -1", "Softmax", [Var(X4)]);
        yield return Case("Softmax axis 1", "Softmax", [Var(X4)], Attr.Int("axis", 1));
        yield return Case("LogSoftmax axis -1", "LogSoftmax", [Var([3, 7])]);
        yield return Case("LogSoftmax axis 0", "LogSoftmax", [Var(X4)], Attr.Int("axis", 0));
        yield return new GradientCase("SoftmaxCrossEntropyLoss mean", "SoftmaxCrossEntropyLoss",
            [Attr.String("reduction", "mean")], [Var([5, 7]), Int64(3, 0, 6, 2, 3)], Outputs: 2);
        yield return Case("SoftmaxCrossEntropyLoss sum", "SoftmaxCrossEntropyLoss", [Var([5, 7]), Int64(3, 0, 6, 2, 3)], Attr.String("reduction", "sum"));
        yield return Case("SoftmaxCrossEntropyLoss none, spatial", "SoftmaxCrossEntropyLoss",
            [Var([2, 4, 3]), Int64Shaped([2, 3], [0, 3, 2, 1, 1, 0])], Attr.String("reduction", "none"));

        // Ops of exported classifiers (ExportedOpRules)
        yield return Case("HardSigmoid", "HardSigmoid", [Var(X4, Sampling.AwayFrom(-2.5f, 2.5f))]);
        yield return Case("HardSigmoid alpha beta", "HardSigmoid", [Var(X4, Sampling.AwayFrom(-1f, 1f))], Attr.Float("alpha", 0.5f), Attr.Float("beta", 0.5f));
        yield return Case("HardSwish", "HardSwish", [Var(X4, (rng, x) => { rng.FillUniform(x, -5, 5); for (var i = 0; i < x.Length; i++) if (Math.Abs(Math.Abs(x[i]) - 3) < 0.2) x[i] *= 0.9f; })]);
        yield return Case("Erf", "Erf", [Var(X4)]);
        yield return Case("PRelu per channel", "PRelu", [Var(X4, NotAtZero), Var([3, 1, 1])]);
        yield return Case("Elu alpha 0.7", "Elu", [Var(X4, NotAtZero)], Attr.Float("alpha", 0.7f));
        yield return Case("Softplus", "Softplus", [Var(X4)]);
        yield return Case("GlobalMaxPool", "GlobalMaxPool", [Var(X4, Sampling.Distinct)]);
        yield return Case("Expand [3,1] to [2,3,4]", "Expand", [Var([3, 1]), Int64(2, 3, 4)]);
        yield return Case("Expand [1,1,5] to [1,4,5]", "Expand", [Var([1, 1, 5]), Int64(1, 4, 5)]);
        yield return Case("Gather scalar axis 1", "Gather", [Var([2, 5, 3]), Int64Shaped([], [0])], Attr.Int("axis", 1));
        yield return Case("Gather repeated indices axis 0", "Gather", [Var([4, 3]), Int64Shaped([2, 2], [3, -1, 0, 2])]);
        yield return Case("LayerNormalization last axis", "LayerNormalization", [Var([2, 3, 6]), Var([6]), Var([6])], Attr.Int("axis", -1));
        yield return Case("LayerNormalization two axes", "LayerNormalization", [Var([2, 3, 4]), Var([3, 4]), Var([3, 4])], Attr.Int("axis", 1), Attr.Float("epsilon", 1e-3f));
        yield return Case("LRN size 5", "LRN", [Var([2, 6, 3, 3])], Attr.Int("size", 5), Attr.Float("alpha", 0.1f), Attr.Float("beta", 0.75f), Attr.Float("bias", 1f));
        yield return Case("LRN size 3", "LRN", [Var([1, 4, 2, 3])], Attr.Int("size", 3), Attr.Float("alpha", 0.3f), Attr.Float("beta", 0.5f), Attr.Float("bias", 2f)); // ORT runs odd sizes on 4-D inputs only

        // Issue 25: recurrent ops (RecurrentRules: unrolled, then differentiated). 3 steps, batch 3, 2 features,
        // hidden 2; outputs listed are those the graph uses; lengths [3, 1, 2] leave pads in two samples.
        long[] y = [0], yh = [1], yYh = [0, 1], all = [0, 1, 2], hc = [1, 2];
        yield return Recurrent("LSTM forward, Y", "LSTM", "forward", y);
        yield return Recurrent("LSTM forward, Y_h and Y_c, initial states", "LSTM", "forward", hc, h0: true, c0: true);
        yield return Recurrent("LSTM reverse, peepholes, Y", "LSTM", "reverse", y, peepholes: true, c0: true);
        yield return Recurrent("LSTM bidirectional, sequence_lens, states, peepholes, Y Y_h Y_c", "LSTM", "bidirectional", all,
            lengths: true, h0: true, c0: true, peepholes: true);
        yield return Recurrent("LSTM reverse, sequence_lens, no bias, Y Y_c", "LSTM", "reverse", [0, 2], bias: false, lengths: true, h0: true);
        yield return Recurrent("LSTM clip, input_forget, peepholes, Y_h", "LSTM", "forward", yh, peepholes: true,
            extra: [Attr.Float("clip", 2.5f), Attr.Int("input_forget", 1)]);
        yield return Recurrent("LSTM activations Tanh Softplus ScaledTanh, Y", "LSTM", "forward", y, h0: true,
            extra: [Strings("activations", "Tanh", "Softplus", "ScaledTanh"), Attr.Floats("activation_alpha", 1.5f), Attr.Floats("activation_beta", 0.7f)]);
        yield return Recurrent("LSTM layout 1, bidirectional, sequence_lens, states, Y Y_h", "LSTM", "bidirectional", yYh, layout: 1,
            lengths: true, h0: true, c0: true);
        yield return Recurrent("GRU forward, initial_h, Y", "GRU", "forward", y, h0: true);
        yield return Recurrent("GRU linear_before_reset, Y Y_h", "GRU", "forward", yYh, extra: [Attr.Int("linear_before_reset", 1)]);
        yield return Recurrent("GRU bidirectional, sequence_lens, linear_before_reset, Y Y_h", "GRU", "bidirectional", yYh, lengths: true,
            h0: true, extra: [Attr.Int("linear_before_reset", 1)]);
        yield return Recurrent("GRU reverse, no bias, linear_before_reset, Y_h", "GRU", "reverse", yh, bias: false, extra: [Attr.Int("linear_before_reset", 1)]);
        yield return Recurrent("GRU reverse, sequence_lens, clip, Y", "GRU", "reverse", y, lengths: true, h0: true, extra: [Attr.Float("clip", 2.5f)]);
        yield return Recurrent("GRU activations Affine Elu, Y", "GRU", "forward", y,
            extra: [Strings("activations", "Affine", "Elu"), Attr.Floats("activation_alpha", 0.4f, 1f), Attr.Floats("activation_beta", 0.1f)]);
        yield return Recurrent("GRU layout 1, states, Y Y_h", "GRU", "forward", yYh, layout: 1, h0: true);
        yield return Recurrent("RNN forward, Y", "RNN", "forward", y);
        yield return Recurrent("RNN bidirectional, sequence_lens, initial_h, Y Y_h", "RNN", "bidirectional", yYh, lengths: true, h0: true);
        yield return Recurrent("RNN reverse, Sigmoid, no bias, Y_h", "RNN", "reverse", yh, bias: false, extra: [Strings("activations", "Sigmoid")]);
        yield return Recurrent("RNN layout 1, sequence_lens, clip, Y", "RNN", "forward", y, layout: 1, lengths: true, extra: [Attr.Float("clip", 2.5f)]);
    }

    /// <summary>A recurrent node's case: X, W, R (and B, initial states, peepholes) differentiable, lengths constant.</summary>
    private static GradientCase Recurrent(string name, string op, string direction, long[] used, long layout = 0, bool bias = true,
        bool lengths = false, bool h0 = false, bool c0 = false, bool peepholes = false, AttributeProto[]? extra = null)
    {
        const long steps = 3, batch = 3, features = 2, hidden = 2;
        var gates = op switch { "LSTM" => 4L, "GRU" => 3L, _ => 1L };
        long dirs = direction == "bidirectional" ? 2 : 1;
        long[] state = layout == 0 ? [dirs, batch, hidden] : [batch, dirs, hidden];
        Action<Rng, float[]> weights = (rng, x) => { rng.FillGaussian(x); for (var i = 0; i < x.Length; i++) x[i] *= 0.5f; }; // gates off saturation
        var inputs = new List<CaseInput>
        {
            Var(layout == 0 ? [steps, batch, features] : [batch, steps, features]),
            Var([dirs, gates * hidden, features], weights), Var([dirs, gates * hidden, hidden], weights),
            bias ? Var([dirs, 2 * gates * hidden], weights) : None,
            lengths ? Int32s(3, 1, 2) : None,
            h0 ? Var(state) : None,
        };
        if (op == "LSTM") inputs.AddRange([c0 ? Var(state) : None, peepholes ? Var([dirs, 3 * hidden], weights) : None]);
        while (inputs[^1].Absent) inputs.RemoveAt(inputs.Count - 1);
        AttributeProto[] attributes = [Attr.Int("hidden_size", hidden), Attr.String("direction", direction), Attr.Int("layout", layout), .. extra ?? []];
        return new GradientCase(name, op, attributes, inputs.ToArray(), Outputs: op == "LSTM" ? 3 : 2,
            Seeded: used.Select(i => (int)i).ToArray(), Extrapolate: true);
    }

    private static AttributeProto Strings(string name, params string[] values)
    {
        var a = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Strings };
        a.Strings.AddRange(values.Select(Google.Protobuf.ByteString.CopyFromUtf8));
        return a;
    }
}
