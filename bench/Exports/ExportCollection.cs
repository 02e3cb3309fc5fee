using NasiOnnx.Engine.Graphs;
using Onnx;

namespace NasiOnnx.Bench.Exports;

/// <summary>
/// A held-out collection of classifier exports, laid out as the exporters people have write them (there is no
/// PyTorch or TensorFlow on this machine, so each is rebuilt op for op): torch.onnx.export with a batch-1 dummy
/// input and no dynamic axes at opsets 9–18 (constant-folded Reshape shapes, or Shape→Gather→Unsqueeze→Concat
/// chains from exports without folding, Dropout left in by old versions, a final Softmax or LogSoftmax),
/// tf2onnx / keras2onnx at opsets 9–13 (NHWC input and Transpose, MatMul+Add dense layers, Softmax), and CNTK at
/// opset 8. None of these graphs was used while the batch relaxation was written (tests/Scoring has its own).
/// </summary>
public static class ExportCollection
{
    public sealed record Entry(string Name, string Exporter, Func<ModelProto> Build);

    public const int Classes = 10;

    public static IReadOnlyList<Entry> All { get; } =
    [
        new("t01_lenet5_opset9", "torch 1.x, opset 9, folded view(1, 400)", () => LeNet(9, n => n.Reshape(1, 400))),
        new("t02_mnist_example_opset11", "torch 1.x, opset 11, PyTorch MNIST example with log_softmax", MnistExample),
        new("t03_torch04_lenet_opset9", "torch 0.4, opset 9, IR 3, no folding, Dropout kept", Torch04LeNet),
        new("t04_vgg_bn_opset10", "torch 1.x, opset 10, VGG with BN", VggBn),
        new("t05_resnet_opset11", "torch 1.x, opset 11, ResNet, flatten", () => ResNet(11, n => n.Flatten(), null)),
        new("t06_resnet_opset13_softmax", "torch 1.x, opset 13, ResNet, Softmax", () => ResNet(13, n => n.Flatten(), "Softmax")),
        new("t07_resnet_opset17_view", "torch 2.x, opset 17, ResNet, folded view(1, C)", () => ResNet(17, n => n.Reshape(1, 32), null)),
        new("t08_mobilenetv2_opset12", "torch 1.x, opset 12, MobileNetV2 blocks", () => MobileNetV2(12)),
        new("t09_mobilenetv2_opset9", "torch 1.x, opset 9, MobileNetV2 blocks, Clip attributes", () => MobileNetV2(9)),
        new("t10_mobilenetv3_opset14", "torch 1.x, opset 14, MobileNetV3 blocks (HardSwish, SE)", MobileNetV3),
        new("t11_squeezenet_opset9", "torch 1.x, opset 9, SqueezeNet 1.1 (conv classifier)", SqueezeNet),
        new("t12_densenet_opset11", "torch 1.x, opset 11, DenseNet blocks", DenseNet),
        new("t13_shufflenetv2_opset11", "torch 1.x, opset 11, ShuffleNetV2 (split, channel shuffle)", ShuffleNet),
        new("t14_googlenet_opset10", "torch 1.x, opset 10, inception modules with LRN", GoogLeNet),
        new("t15_efficientnet_opset13", "torch 1.x, opset 13, EfficientNet blocks (swish, SE)", EfficientNet),
        new("t16_meanpool_opset18", "torch 2.x, opset 18, x.mean([2, 3]) head", MeanPoolOpset18),
        new("t17_mlp784_opset11", "torch 1.x, opset 11, MLP on [1, 784]", () => Mlp(11, flatten: false)),
        new("t18_mlp_flatten_opset13", "torch 1.x, opset 13, MLP with flatten of [1, 1, 28, 28]", () => Mlp(13, flatten: true)),
        new("t19_conv1d_opset11", "torch 1.x, opset 11, 1-D CNN on [1, 1, 128]", Conv1d),
        new("t20_vit_tiny_opset17", "torch 2.x, opset 17, ViT (patches, cls token, attention)", VitTiny),
        new("t21_lenet_batch10_opset11", "torch 1.x, opset 11, traced at batch 10", () => LeNet(11, n => n.Reshape(10, 400), batch: 10)),
        new("t22_lenet_viewminus1_opset11", "torch 1.x, opset 11, view(-1, 400)", () => LeNet(11, n => n.Reshape(-1, 400))),
        new("t23_resnet_pad_opset11", "torch 1.x, opset 11, explicit F.pad before stride-2 convs", ResNetPad),
        new("t24_lenet_chain_opset13", "torch 1.x, opset 13, no folding (shape chain)", () => LeNet(13, n => n.ReshapeByShapeChain())),
        new("k01_keras_cnn_tf2onnx13", "tf2onnx, opset 13, Keras CNN, Flatten, Dense, softmax", KerasCnn),
        new("k02_keras_bn_gap_tf2onnx11", "tf2onnx, opset 11, Keras CNN with BN, GlobalAveragePooling2D", KerasBnGap),
        new("k03_keras_dense_tf2onnx9", "tf2onnx, opset 9, Keras Dense on [1, 20]", KerasDense),
        new("k04_keras2onnx_mnist10", "keras2onnx, opset 10, MNIST CNN, dynamic Flatten, Dropout", Keras2OnnxMnist),
        new("k05_keras_resnet_tf2onnx12", "tf2onnx, opset 12, Keras residual CNN, GAP + Squeeze", KerasResNet),
        new("k06_keras_mobilenet_tf2onnx13", "tf2onnx, opset 13, Keras MobileNet head (ZeroPadding, conv classifier)", KerasMobileNet),
        new("k07_keras_conv1d_tf2onnx11", "tf2onnx, opset 11, Keras Conv1D on [1, 100, 3]", KerasConv1d),
        new("k08_keras_dense_bn_tf2onnx13", "tf2onnx, opset 13, Dense + BatchNormalization", KerasDenseBn),
        new("k09_keras_rescaling_tf2onnx13", "tf2onnx, opset 13, Rescaling layer before the transpose", KerasRescaling),
        new("k10_keras_flatten_tf2onnx9", "tf2onnx, opset 9, Flatten op on NHWC", KerasFlatten9),
        new("c01_cntk_mnist_opset8", "CNTK, opset 8, MNIST (auto_pad, MatMul with reshaped weights)", CntkMnist),
        new("c02_cntk_resnet_opset8", "CNTK, opset 8, ResNet with spatial BN", CntkResNet),
        // A second set, written after the first was measured (see README).
        new("s01_alexnet_opset9", "torch 1.x, opset 9, AlexNet (large kernels, adaptive pool, dropout)", AlexNet),
        new("s02_resnext_opset11", "torch 1.x, opset 11, ResNeXt block (grouped 3x3)", ResNeXt),
        new("s03_inception_v3_opset12", "torch 1.x, opset 12, Inception-v3 block (1x7, 7x1 convs)", InceptionV3),
        new("s04_xception_opset13", "torch 1.x, opset 13, Xception (separable convs, max-pool shortcut)", Xception),
        new("s05_ghostnet_opset11", "torch 1.x, opset 11, GhostNet (cheap ops, concat, slice)", GhostNet),
        new("s06_convnext_opset17", "torch 2.x, opset 17, ConvNeXt block (7x7 depthwise, LayerNorm, GELU as Erf)", ConvNeXt),
        new("s07_mlp_mixer_opset13", "torch 1.x, opset 13, MLP-Mixer (token mixing by transpose)", MlpMixer),
        new("s08_se_resnet_opset10", "torch 1.x, opset 10, SE-ResNet (sigmoid gate)", SeResNet),
        new("s09_regnet_opset14", "torch 1.x, opset 14, RegNet-X block (grouped, stride)", RegNet),
        new("s10_keras_efficientnet_tf2onnx13", "tf2onnx, opset 13, Keras EfficientNet block (swish, SE with Reshape)", KerasEfficientNet),
        new("s11_keras_densenet_tf2onnx11", "tf2onnx, opset 11, Keras DenseNet (concat in NCHW)", KerasDenseNet),
        new("s12_keras_vgg_tf2onnx9", "keras2onnx, opset 9, Keras VGG with Dropout and Flatten chain", KerasVgg),
        // A third set, written after the gradient rules for the first two were added, and measured once.
        new("u01_mnasnet_opset11", "torch 1.x, opset 11, MNASNet blocks", MnasNet),
        new("u02_squeezenet10_softmax_opset12", "torch 1.x, opset 12, SqueezeNet 1.0 with softmax", SqueezeNet10),
        new("u03_prelu_face_opset11", "torch 1.x, opset 11, face-recognition CNN with PReLU", PreluNet),
        new("u04_keras_leaky_maxpool_tf2onnx13", "tf2onnx, opset 13, LeakyReLU and GlobalMaxPooling2D", KerasLeakyMax),
        new("u05_wide_resnet_opset13", "torch 1.x, opset 13, Wide-ResNet block (dropout between convs)", WideResNet),
        new("u06_adaptive_pool2_opset11", "torch 1.x, opset 11, AdaptiveAvgPool2d(2) head", AdaptivePool2),
        new("u07_keras_lstm_tf2onnx13", "tf2onnx, opset 13, Keras LSTM sequence classifier", KerasLstm),
        new("u08_mish_opset13", "torch 1.x, opset 13, CNN with Mish (softplus, tanh)", MishNet),
        new("u09_cntk_vgg_opset9", "CNTK, opset 9, VGG with Dropout", CntkVgg),
        new("u10_keras_elu_tf2onnx13", "tf2onnx, opset 13, Dense with ELU", KerasElu),
    ];

    private static ExportNet Torch(string name, long opset, long c = 3, long size = 32, long batch = 1) =>
        new(name, opset, "input.1", [batch, c, size, size], Seed(name, opset));

    private static ExportNet Keras(string name, long opset, long[] shape) => new(name, opset, "input_1", shape, Seed(name, opset));

    /// <summary>A seed from the name (FNV-1a: string.GetHashCode differs from process to process).</summary>
    private static ulong Seed(string name, long opset)
    {
        var h = 14695981039346656037UL;
        foreach (var c in name) h = (h ^ c) * 1099511628211UL;
        return h ^ (ulong)opset;
    }

    private static ModelProto LeNet(long opset, Action<ExportNet> flatten, long batch = 1)
    {
        var n = Torch("lenet", opset, 1, 32, batch);
        n.Conv(6, 5, pad: 0).Relu().MaxPool(2, 2).Conv(16, 5, pad: 0).Relu().MaxPool(2, 2);
        flatten(n);
        return n.Gemm(120).Relu().Gemm(84).Relu().Gemm(Classes).Output();
    }

    private static ModelProto MnistExample()
    {
        var n = Torch("mnist", 11, 1, 28);
        n.Conv(8, 3, pad: 0).Relu().Conv(16, 3, pad: 0).Relu().MaxPool(2, 2).Flatten().Gemm(32).Relu().Gemm(Classes).Softmax("LogSoftmax");
        return n.Output();
    }

    private static ModelProto Torch04LeNet()
    {
        var n = Torch("torch04", 9, 1, 32);
        n.Conv(6, 5, pad: 0).Relu().MaxPool(2, 2).Conv(16, 5, pad: 0).Relu().MaxPool(2, 2).ReshapeByShapeChain(constantNodes: true);
        n.Gemm(120).Relu().Dropout().Gemm(84).Relu().Dropout().Gemm(Classes);
        var model = n.Output();
        // IR 3 lists every initializer among the graph inputs too.
        model.IrVersion = 3;
        foreach (var t in model.Graph.Initializer)
            model.Graph.Input.Add(GraphBuilder.ValueInfo(t.Name, (ElementType)t.DataType, t.Dims.ToArray()));
        return model;
    }

    private static ModelProto VggBn()
    {
        var n = Torch("vgg", 10);
        n.Conv(8, 3).Bn().Relu().Conv(8, 3).Bn().Relu().MaxPool(2, 2).Conv(16, 3).Bn().Relu().Conv(16, 3).Bn().Relu().MaxPool(2, 2);
        return n.Flatten().Gemm(32).Relu().Gemm(Classes).Output();
    }

    private static void BasicBlock(ExportNet n, int channels, int stride)
    {
        var input = n.X;
        var inChannels = n.Shape()[1];
        n.Conv(channels, 3, stride, bias: false).Bn().Relu().Conv(channels, 3, bias: false).Bn();
        var main = n.X;
        var shortcut = input;
        if (stride != 1 || inChannels != channels)
        {
            n.X = input;
            n.Conv(channels, 1, stride, pad: 0, bias: false).Bn();
            shortcut = n.X;
        }
        n.Apply("Add", [main, shortcut]).Relu();
    }

    private static ModelProto ResNet(long opset, Action<ExportNet> flatten, string? final)
    {
        var n = Torch("resnet", opset);
        n.Conv(16, 3, bias: false).Bn().Relu();
        BasicBlock(n, 16, 1);
        BasicBlock(n, 32, 2);
        n.Gap();
        flatten(n);
        n.Gemm(Classes);
        if (final is not null) n.Softmax(final);
        return n.Output();
    }

    private static ModelProto ResNetPad()
    {
        var n = Torch("resnet_pad", 11);
        n.Conv(16, 3, bias: false).Bn().Relu();
        n.Apply("Pad", [n.X, n.Ints("pads", 0, 0, 1, 1, 0, 0, 1, 1), n.Floats("pad_value", [0f])], Attr.String("mode", "constant"));
        n.Conv(32, 3, 2, pad: 0, bias: false).Bn().Relu();
        BasicBlock(n, 32, 1);
        return n.Gap().Flatten().Gemm(Classes).Output();
    }

    private static void InvertedResidual(ExportNet n, int outChannels, int stride, int expand)
    {
        var input = n.X;
        var inChannels = (int)n.Shape()[1];
        var hidden = inChannels * expand;
        n.Conv(hidden, 1, pad: 0, bias: false).Bn().Relu6();
        n.Conv(hidden, 3, stride, group: hidden, bias: false).Bn().Relu6();
        n.Conv(outChannels, 1, pad: 0, bias: false).Bn();
        if (stride == 1 && inChannels == outChannels) n.Apply("Add", [input, n.X]);
    }

    private static ModelProto MobileNetV2(long opset)
    {
        var n = Torch("mobilenetv2", opset);
        n.Conv(16, 3, 2, bias: false).Bn().Relu6();
        InvertedResidual(n, 16, 1, 2);
        InvertedResidual(n, 24, 2, 3);
        InvertedResidual(n, 24, 1, 3);
        n.Conv(64, 1, pad: 0, bias: false).Bn().Relu6().Gap().Reshape(1, 64);
        return n.Gemm(Classes).Output();
    }

    private static void SqueezeExcite(ExportNet n, string gate)
    {
        var input = n.X;
        var c = (int)n.Shape()[1];
        n.Gap().Conv(Math.Max(4, c / 4), 1, pad: 0).Relu().Conv(c, 1, pad: 0).Op(gate);
        n.Apply("Mul", [input, n.X]);
    }

    private static ModelProto MobileNetV3()
    {
        var n = Torch("mobilenetv3", 14);
        n.Conv(16, 3, 2, bias: false).Bn().Op("HardSwish");
        var input = n.X;
        n.Conv(16, 3, group: 16, bias: false).Bn().Relu();
        SqueezeExcite(n, "HardSigmoid");
        n.Conv(16, 1, pad: 0, bias: false).Bn().Apply("Add", [input, n.X]);
        n.Conv(48, 1, pad: 0, bias: false).Bn().Op("HardSwish").Gap().Flatten().Gemm(64).Op("HardSwish");
        return n.Gemm(Classes).Output();
    }

    private static void Fire(ExportNet n, int squeeze, int expand)
    {
        n.Conv(squeeze, 1, pad: 0).Relu();
        var s = n.X;
        var left = n.Conv(expand, 1, pad: 0).Relu().X;
        n.X = s;
        var right = n.Conv(expand, 3).Relu().X;
        n.Apply("Concat", [left, right], Attr.Int("axis", 1));
    }

    private static ModelProto SqueezeNet()
    {
        var n = Torch("squeezenet", 9);
        n.Conv(16, 3, 2, pad: 0).Relu().MaxPool(3, 2);
        Fire(n, 8, 16);
        Fire(n, 8, 16);
        n.MaxPool(3, 2);
        Fire(n, 12, 24);
        n.Dropout().Conv(Classes, 1, pad: 0).Relu().Gap().Flatten();
        return n.Output();
    }

    private static ModelProto DenseNet()
    {
        var n = Torch("densenet", 11);
        n.Conv(16, 3, bias: false);
        for (var block = 0; block < 2; block++)
        {
            for (var layer = 0; layer < 3; layer++)
            {
                var input = n.X;
                n.Bn().Relu().Conv(16, 1, pad: 0, bias: false).Bn().Relu().Conv(8, 3, bias: false);
                n.Apply("Concat", [input, n.X], Attr.Int("axis", 1));
            }
            if (block == 0) n.Bn().Relu().Conv(24, 1, pad: 0, bias: false).AvgPool(2, 2);
        }
        return n.Bn().Relu().Gap().Flatten().Gemm(Classes).Output();
    }

    private static void ChannelShuffle(ExportNet n, int groups)
    {
        var s = n.Shape();
        n.Reshape(s[0], groups, s[1] / groups, s[2], s[3]).Transpose(0, 2, 1, 3, 4).Reshape(s[0], s[1], s[2], s[3]);
    }

    private static ModelProto ShuffleNet()
    {
        var n = Torch("shufflenet", 11);
        n.Conv(24, 3, 2, bias: false).Bn().Relu();
        for (var unit = 0; unit < 2; unit++)
        {
            var halves = n.SplitChannels(2);
            n.X = halves[1];
            n.Conv(12, 1, pad: 0, bias: false).Bn().Relu().Conv(12, 3, group: 12, bias: false).Bn().Conv(12, 1, pad: 0, bias: false).Bn().Relu();
            n.Apply("Concat", [halves[0], n.X], Attr.Int("axis", 1));
            ChannelShuffle(n, 2);
        }
        return n.Conv(48, 1, pad: 0, bias: false).Bn().Relu().ReduceMean([2, 3], keepDims: false).Gemm(Classes).Output();
    }

    private static ModelProto GoogLeNet()
    {
        var n = Torch("googlenet", 10);
        n.Conv(16, 3).Relu().MaxPool(3, 2, 1).Op("LRN", Attr.Int("size", 5), Attr.Float("alpha", 1e-4f), Attr.Float("beta", 0.75f));
        var input = n.X;
        var a = n.Conv(8, 1, pad: 0).Relu().X;
        n.X = input;
        var b = n.Conv(8, 1, pad: 0).Relu().Conv(12, 3).Relu().X;
        n.X = input;
        var c = n.Conv(4, 1, pad: 0).Relu().Conv(6, 5).Relu().X;
        n.X = input;
        var d = n.MaxPool(3, 1, 1).Conv(6, 1, pad: 0).Relu().X;
        n.Apply("Concat", [a, b, c, d], Attr.Int("axis", 1));
        return n.Gap().Flatten().Dropout().Gemm(Classes).Output();
    }

    private static ModelProto EfficientNet()
    {
        var n = Torch("efficientnet", 13);
        n.Conv(16, 3, 2, bias: false).Bn().Swish();
        var input = n.X;
        n.Conv(16, 3, group: 16, bias: false).Bn().Swish();
        SqueezeExcite(n, "Sigmoid");
        n.Conv(16, 1, pad: 0, bias: false).Bn().Apply("Add", [input, n.X]);
        n.Conv(32, 1, pad: 0, bias: false).Bn().Swish().Gap().Flatten();
        return n.Gemm(Classes).Output();
    }

    private static ModelProto MeanPoolOpset18()
    {
        var n = Torch("meanpool", 18);
        n.Conv(16, 3).Bn().Relu().MaxPool(2, 2).Conv(32, 3).Bn().Relu().ReduceMean([2, 3], keepDims: false);
        return n.Gemm(Classes).Output();
    }

    private static ModelProto Mlp(long opset, bool flatten)
    {
        var n = flatten ? Torch("mlp", opset, 1, 28) : new ExportNet("mlp", opset, "input.1", [1, 784], 11);
        if (flatten) n.Flatten();
        return n.Gemm(64).Relu().Gemm(32).Relu().Gemm(Classes).Output();
    }

    private static ModelProto Conv1d()
    {
        var n = new ExportNet("conv1d", 11, "input.1", [1, 1, 128], 12);
        n.Conv(8, 5, spatial: 1).Bn().Relu().MaxPool(2, 2, spatial: 1).Conv(16, 5, spatial: 1).Relu().Gap().Flatten();
        return n.Gemm(Classes).Output();
    }

    private static ModelProto VitTiny()
    {
        const int d = 16, patches = 16;
        var n = Torch("vit", 17);
        n.Conv(d, 8, 8, pad: 0).Reshape(1, d, patches).Transpose(0, 2, 1);
        var tokens = n.X;
        var cls = n.G.Node("Expand", [n.Weights("cls_token", 0.02, 1, 1, d), n.Ints("cls_shape", 1, 1, d)]);
        n.Apply("Concat", [cls, tokens], Attr.Int("axis", 1)).Apply("Add", [n.X, n.Weights("pos_embed", 0.02, 1, patches + 1, d)]);
        var residual = n.X;
        LayerNorm(n, d);
        // Attention with one head: q, k, v from one MatMul, split by a Reshape and a Transpose as torch writes it.
        n.Apply("MatMul", [n.X, n.Weights("qkv", 0.2, d, 3 * d)]).Reshape(1, patches + 1, 3, 1, d).Transpose(2, 0, 3, 1, 4);
        var qkv = n.X;
        string Pick(long i) => n.G.Node("Gather", [qkv, n.IntScalar("qkv_index", i)], Attr.Int("axis", 0));
        var (q, k, v) = (Pick(0), Pick(1), Pick(2));
        var scores = n.G.Node("Mul", [n.G.Node("MatMul", [q, n.G.Node("Transpose", [k], Attr.Ints("perm", 0, 1, 3, 2))]), n.Floats("scale", [0.25f])]);
        n.X = n.G.Node("MatMul", [n.G.Node("Softmax", [scores], Attr.Int("axis", -1)), v]);
        n.Transpose(0, 2, 1, 3).Reshape(1, patches + 1, d).Apply("MatMul", [n.X, n.Weights("proj", 0.2, d, d)]);
        n.Apply("Add", [residual, n.X]);
        n.X = n.G.Node("Gather", [n.X, n.IntScalar("cls_index", 0)], Attr.Int("axis", 1));
        return LayerNorm(n, d).Gemm(Classes).Output();
    }

    private static ExportNet LayerNorm(ExportNet n, int d) =>
        n.Apply("LayerNormalization", [n.X, n.Floats("ln.weight", [.. Enumerable.Repeat(1f, d)], d), n.Weights("ln.bias", 0.02, d)], Attr.Int("axis", -1));

    private static ModelProto KerasCnn()
    {
        var n = Keras("keras_cnn", 13, [1, 32, 32, 3]);
        n.Transpose(0, 3, 1, 2).Conv(16, 3).Relu().MaxPool(2, 2).Conv(32, 3).Relu().MaxPool(2, 2).Transpose(0, 2, 3, 1);
        var s = n.Shape();
        n.Reshape(1, s[1] * s[2] * s[3]).MatMulAdd(32).Relu().MatMulAdd(Classes);
        return n.Softmax().Output();
    }

    private static ModelProto KerasBnGap()
    {
        var n = Keras("keras_bn_gap", 11, [1, 32, 32, 3]);
        n.Transpose(0, 3, 1, 2).Conv(16, 3).Bn().Relu().MaxPool(2, 2).Conv(32, 3).Bn().Relu().Transpose(0, 2, 3, 1);
        n.ReduceMean([1, 2], keepDims: false).MatMulAdd(Classes);
        return n.Softmax().Output();
    }

    private static ModelProto KerasDense()
    {
        var n = Keras("keras_dense", 9, [1, 20]);
        return n.MatMulAdd(32).Relu().MatMulAdd(16).Relu().MatMulAdd(Classes).Softmax().Output();
    }

    private static ModelProto Keras2OnnxMnist()
    {
        var n = Keras("keras2onnx_mnist", 10, [1, 28, 28, 1]);
        n.Transpose(0, 3, 1, 2).Conv(8, 3, pad: 0).Relu().MaxPool(2, 2).Dropout().Transpose(0, 2, 3, 1);
        // keras2onnx's Flatten: Reshape to Concat(Slice(Shape(x), 0, 1), [-1]).
        var shape = n.G.Node("Shape", [n.X]);
        var first = n.G.Node("Slice", [shape, n.Ints("starts", 0), n.Ints("ends", 1)]);
        n.Apply("Reshape", [n.X, n.G.Node("Concat", [first, n.Ints("minus_one", -1)], Attr.Int("axis", 0))]);
        return n.Gemm(32).Relu().Gemm(Classes).Softmax().Output();
    }

    private static ModelProto KerasResNet()
    {
        var n = Keras("keras_resnet", 12, [1, 32, 32, 3]);
        n.Transpose(0, 3, 1, 2).Conv(16, 3).Bn().Relu();
        BasicBlock(n, 16, 1);
        BasicBlock(n, 24, 2);
        return n.Gap().Squeeze(2, 3).Gemm(Classes).Softmax().Output();
    }

    private static ModelProto KerasMobileNet()
    {
        var n = Keras("keras_mobilenet", 13, [1, 32, 32, 3]);
        n.Transpose(0, 3, 1, 2);
        n.Apply("Pad", [n.X, n.Ints("pads", 0, 0, 0, 0, 0, 0, 1, 1), n.Floats("pad_value", [0f])]);
        n.Conv(16, 3, 2, pad: 0, bias: false).Bn().Relu6().Conv(16, 3, group: 16, bias: false).Bn().Relu6().Conv(32, 1, pad: 0, bias: false).Bn().Relu6();
        // GlobalAveragePooling2D → Reshape((1, 1, C)) → Conv2D(classes, 1) → Reshape((classes,)) → softmax, in NHWC.
        n.Gap().Transpose(0, 2, 3, 1).Reshape(1, 1, 1, 32).Transpose(0, 3, 1, 2).Conv(Classes, 1, pad: 0).Transpose(0, 2, 3, 1).Reshape(1, Classes);
        return n.Softmax().Output();
    }

    private static ModelProto KerasConv1d()
    {
        var n = Keras("keras_conv1d", 11, [1, 100, 3]);
        n.Transpose(0, 2, 1).Conv(8, 5, pad: 2, spatial: 1).Relu().MaxPool(2, 2, spatial: 1).Transpose(0, 2, 1);
        var s = n.Shape();
        return n.Reshape(1, s[1] * s[2]).MatMulAdd(Classes).Softmax().Output();
    }

    private static ModelProto KerasDenseBn()
    {
        var n = Keras("keras_dense_bn", 13, [1, 32]);
        return n.MatMulAdd(64).Bn().Relu().MatMulAdd(Classes).Softmax().Output();
    }

    private static ModelProto KerasRescaling()
    {
        var n = Keras("keras_rescaling", 13, [1, 32, 32, 3]);
        n.Apply("Mul", [n.X, n.Floats("scale", [1f / 255])]).Apply("Add", [n.X, n.Floats("offset", [-0.5f])]);
        n.Transpose(0, 3, 1, 2).Conv(16, 3).Relu().MaxPool(2, 2).Conv(16, 3).Relu().Gap().Transpose(0, 2, 3, 1).Reshape(1, 16);
        return n.MatMulAdd(Classes).Softmax().Output();
    }

    private static ModelProto KerasFlatten9()
    {
        var n = Keras("keras_flatten", 9, [1, 28, 28, 1]);
        n.Transpose(0, 3, 1, 2).Conv(8, 3).Relu().MaxPool(2, 2).Transpose(0, 2, 3, 1).Flatten();
        return n.Gemm(Classes).Softmax().Output();
    }

    private static ModelProto CntkMnist()
    {
        var n = new ExportNet("CNTKGraph", 8, "Input3", [1, 1, 28, 28], 13);
        void ConvBlock(int channels, int pool)
        {
            var inChannels = n.Shape()[1];
            var w = n.Weights("Parameter", Math.Sqrt(2.0 / (inChannels * 25)), channels, inChannels, 5, 5);
            n.Apply("Conv", [n.X, w], Attr.Ints("kernel_shape", 5, 5), Attr.Ints("strides", 1, 1), Attr.String("auto_pad", "SAME_UPPER"), Attr.Int("group", 1));
            n.Apply("Add", [n.X, n.Weights("Parameter", 0.05, channels, 1, 1)]).Relu().MaxPool(pool, pool);
        }
        ConvBlock(8, 2);
        ConvBlock(16, 3);
        n.Reshape(1, 256);
        var w = n.G.Node("Reshape", [n.Weights("Parameter193", 0.06, 16, 4, 4, 10), n.Ints("Parameter193_reshape1_shape", 256, 10)]);
        n.Apply("MatMul", [n.X, w]).Apply("Add", [n.X, n.Weights("Parameter194", 0.05, 1, 10)]);
        return n.Output();
    }

    private static ModelProto CntkResNet()
    {
        var n = new ExportNet("CNTKGraph", 8, "features", [1, 3, 32, 32], 14);
        n.Conv(16, 3, bias: false).Bn().Relu();
        BasicBlock(n, 16, 1);
        BasicBlock(n, 16, 1);
        n.AvgPool(32, 1).Reshape(1, 16);
        n.Apply("MatMul", [n.X, n.Weights("W", 0.25, 16, 10)]).Apply("Add", [n.X, n.Weights("b", 0.05, 10)]);
        return n.Output();
    }

    private static ModelProto AlexNet()
    {
        var n = Torch("alexnet", 9);
        n.Conv(16, 5, 2, pad: 2).Relu().MaxPool(3, 2).Conv(24, 3).Relu().MaxPool(3, 2).Conv(32, 3).Relu().Conv(24, 3).Relu();
        n.AvgPool(3, 1).Flatten().Dropout().Gemm(64).Relu().Dropout().Gemm(32).Relu();
        return n.Gemm(Classes).Output();
    }

    private static ModelProto ResNeXt()
    {
        var n = Torch("resnext", 11);
        n.Conv(32, 3, bias: false).Bn().Relu();
        var input = n.X;
        n.Conv(32, 1, pad: 0, bias: false).Bn().Relu().Conv(32, 3, group: 8, bias: false).Bn().Relu().Conv(32, 1, pad: 0, bias: false).Bn();
        n.Apply("Add", [input, n.X]).Relu();
        return n.Gap().Flatten().Gemm(Classes).Output();
    }

    private static ModelProto InceptionV3()
    {
        var n = Torch("inception_v3", 12);
        n.Conv(16, 3, 2, pad: 0, bias: false).Bn().Relu();
        var input = n.X;
        var a = n.Conv(8, 1, pad: 0, bias: false).Bn().Relu().X;
        n.X = input;
        var inC = n.Shape()[1];
        n.Conv(8, 1, pad: 0, bias: false).Bn().Relu();
        n.Apply("Conv", [n.X, n.Weights("conv17", 0.2, 8, 8, 1, 7)], Attr.Ints("kernel_shape", 1, 7), Attr.Ints("pads", 0, 3, 0, 3)).Bn().Relu();
        n.Apply("Conv", [n.X, n.Weights("conv71", 0.2, 8, 8, 7, 1)], Attr.Ints("kernel_shape", 7, 1), Attr.Ints("pads", 3, 0, 3, 0)).Bn().Relu();
        var b = n.X;
        n.X = input;
        var c = n.AvgPool(3, 1, 1).Conv(8, 1, pad: 0, bias: false).Bn().Relu().X;
        _ = inC;
        n.Apply("Concat", [a, b, c], Attr.Int("axis", 1));
        return n.Gap().Flatten().Gemm(Classes).Output();
    }

    private static void Separable(ExportNet n, int outChannels)
    {
        var c = (int)n.Shape()[1];
        n.Conv(c, 3, group: c, bias: false).Conv(outChannels, 1, pad: 0, bias: false).Bn();
    }

    private static ModelProto Xception()
    {
        var n = Torch("xception", 13);
        n.Conv(16, 3, 2, bias: false).Bn().Relu();
        var input = n.X;
        Separable(n, 32);
        n.Relu();
        Separable(n, 32);
        n.MaxPool(3, 2, 1);
        var main = n.X;
        n.X = input;
        n.Conv(32, 1, 2, pad: 0, bias: false).Bn();
        n.Apply("Add", [main, n.X]).Relu();
        return n.Gap().Flatten().Gemm(Classes).Output();
    }

    private static ModelProto GhostNet()
    {
        var n = Torch("ghostnet", 11);
        n.Conv(16, 3, 2, bias: false).Bn().Relu();
        // Ghost module: a primary 1x1 conv, a cheap depthwise conv of it, concatenated and sliced to the width.
        var primary = n.Conv(12, 1, pad: 0, bias: false).Bn().Relu().X;
        var cheap = n.Conv(12, 3, group: 12, bias: false).Bn().Relu().X;
        n.Apply("Concat", [primary, cheap], Attr.Int("axis", 1));
        n.Apply("Slice", [n.X, n.Ints("starts", 0), n.Ints("ends", 20), n.Ints("axes", 1)]);
        return n.Gap().Flatten().Gemm(Classes).Output();
    }

    private static ModelProto ConvNeXt()
    {
        const int c = 16;
        var n = Torch("convnext", 17);
        n.Conv(c, 4, 4, pad: 0);
        var input = n.X;
        n.Conv(c, 7, group: c).Transpose(0, 2, 3, 1);
        LayerNorm(n, c);
        n.MatMulAdd(4 * c);
        var x = n.X;
        // GELU as torch exports it before opset 20: x · 0.5 · (1 + erf(x / √2)).
        n.Apply("Div", [x, n.Floats("sqrt2", [1.4142135f])]).Op("Erf").Apply("Add", [n.X, n.Floats("one", [1f])]);
        n.Apply("Mul", [x, n.X]).Apply("Mul", [n.X, n.Floats("half", [0.5f])]);
        n.MatMulAdd(c).Transpose(0, 3, 1, 2).Apply("Add", [input, n.X]);
        return n.Gap().Flatten().Gemm(Classes).Output();
    }

    private static ModelProto MlpMixer()
    {
        const int d = 16, tokens = 16;
        var n = Torch("mlp_mixer", 13);
        n.Conv(d, 8, 8, pad: 0).Reshape(1, d, tokens).Transpose(0, 2, 1);
        var input = n.X;
        // Token mixing: transpose to [1, d, tokens], a dense layer over the tokens, back.
        n.Transpose(0, 2, 1).MatMulAdd(tokens).Relu().Transpose(0, 2, 1).Apply("Add", [input, n.X]);
        var mixed = n.X;
        n.MatMulAdd(d).Relu().Apply("Add", [mixed, n.X]);
        n.ReduceMean([1], keepDims: false);
        return n.Gemm(Classes).Output();
    }

    private static ModelProto SeResNet()
    {
        var n = Torch("se_resnet", 10);
        n.Conv(16, 3, bias: false).Bn().Relu();
        var input = n.X;
        n.Conv(16, 3, bias: false).Bn().Relu().Conv(16, 3, bias: false).Bn();
        SqueezeExcite(n, "Sigmoid");
        n.Apply("Add", [input, n.X]).Relu();
        return n.Gap().Flatten().Gemm(Classes).Output();
    }

    private static ModelProto RegNet()
    {
        var n = Torch("regnet", 14);
        n.Conv(16, 3, 2, bias: false).Bn().Relu();
        var input = n.X;
        n.Conv(24, 1, pad: 0, bias: false).Bn().Relu().Conv(24, 3, 2, group: 3, bias: false).Bn().Relu().Conv(24, 1, pad: 0, bias: false).Bn();
        var main = n.X;
        n.X = input;
        n.Conv(24, 1, 2, pad: 0, bias: false).Bn();
        n.Apply("Add", [main, n.X]).Relu();
        return n.Gap().Flatten().Gemm(Classes).Output();
    }

    private static ModelProto KerasEfficientNet()
    {
        var n = Keras("keras_efficientnet", 13, [1, 32, 32, 3]);
        n.Transpose(0, 3, 1, 2).Conv(16, 3, 2, bias: false).Bn().Swish();
        var input = n.X;
        n.Conv(16, 3, group: 16, bias: false).Bn().Swish();
        // Keras SE: GlobalAveragePooling2D → Reshape((1, 1, C)) in NHWC → 1x1 convs → multiply.
        var features = n.X;
        n.Gap().Transpose(0, 2, 3, 1).Reshape(1, 1, 1, 16).Transpose(0, 3, 1, 2).Conv(4, 1, pad: 0).Swish().Conv(16, 1, pad: 0).Op("Sigmoid");
        n.Apply("Mul", [features, n.X]).Conv(16, 1, pad: 0, bias: false).Bn().Apply("Add", [input, n.X]);
        n.Transpose(0, 2, 3, 1).ReduceMean([1, 2], keepDims: false).MatMulAdd(Classes);
        return n.Softmax().Output();
    }

    private static ModelProto KerasDenseNet()
    {
        var n = Keras("keras_densenet", 11, [1, 32, 32, 3]);
        n.Transpose(0, 3, 1, 2).Conv(16, 3, 2, bias: false);
        for (var layer = 0; layer < 3; layer++)
        {
            var input = n.X;
            n.Bn().Relu().Conv(8, 3, bias: false);
            n.Apply("Concat", [input, n.X], Attr.Int("axis", 1));
        }
        n.Bn().Relu().Gap().Squeeze(2, 3).MatMulAdd(Classes);
        return n.Softmax().Output();
    }

    private static ModelProto KerasVgg()
    {
        var n = Keras("keras_vgg", 9, [1, 32, 32, 3]);
        n.Transpose(0, 3, 1, 2).Conv(8, 3).Relu().Conv(8, 3).Relu().MaxPool(2, 2).Conv(16, 3).Relu().MaxPool(2, 2).Dropout().Transpose(0, 2, 3, 1);
        n.ReshapeByShapeChain();
        return n.MatMulAdd(32).Relu().Dropout().MatMulAdd(Classes).Softmax().Output();
    }

    private static ModelProto MnasNet()
    {
        var n = Torch("mnasnet", 11);
        n.Conv(16, 3, 2, bias: false).Bn().Relu().Conv(16, 3, group: 16, bias: false).Bn().Relu().Conv(8, 1, pad: 0, bias: false).Bn();
        InvertedResidual(n, 16, 2, 3);
        InvertedResidual(n, 16, 1, 3);
        return n.Conv(32, 1, pad: 0, bias: false).Bn().Relu().ReduceMean([2, 3], keepDims: false).Dropout().Gemm(Classes).Output();
    }

    private static ModelProto SqueezeNet10()
    {
        var n = Torch("squeezenet10", 12);
        n.Conv(24, 7, 2, pad: 0).Relu().MaxPool(3, 2);
        Fire(n, 8, 16);
        Fire(n, 8, 16);
        n.Conv(Classes, 1, pad: 0).Relu().Gap().Flatten().Softmax();
        return n.Output();
    }

    private static ModelProto PreluNet()
    {
        var n = Torch("prelu", 11);
        ExportNet PRelu() => n.Apply("PRelu", [n.X, n.Floats("prelu.weight", [.. Enumerable.Repeat(0.25f, (int)n.Shape()[1])], n.Shape()[1], 1, 1)]);
        n.Conv(16, 3, 2, bias: false).Bn();
        PRelu();
        n.Conv(32, 3, 2, bias: false).Bn();
        PRelu();
        return n.Flatten().Gemm(Classes).Output();
    }

    private static ModelProto KerasLeakyMax()
    {
        var n = Keras("keras_leaky_max", 13, [1, 32, 32, 3]);
        n.Transpose(0, 3, 1, 2).Conv(16, 3).Op("LeakyRelu", Attr.Float("alpha", 0.3f)).MaxPool(2, 2).Conv(32, 3).Op("LeakyRelu", Attr.Float("alpha", 0.3f));
        n.Op("GlobalMaxPool").Squeeze(2, 3).MatMulAdd(Classes);
        return n.Softmax().Output();
    }

    private static ModelProto WideResNet()
    {
        var n = Torch("wide_resnet", 13);
        n.Conv(16, 3, bias: false);
        var input = n.X;
        n.Bn().Relu().Conv(32, 3, bias: false).Bn().Relu().Conv(32, 3, bias: false);
        var main = n.X;
        n.X = input;
        n.Conv(32, 1, pad: 0, bias: false).Apply("Add", [main, n.X]);
        return n.Bn().Relu().Gap().Flatten().Gemm(Classes).Output();
    }

    private static ModelProto AdaptivePool2()
    {
        var n = Torch("adaptive2", 11);
        n.Conv(16, 3, 2).Bn().Relu().Conv(16, 3, 2).Bn().Relu().AvgPool(4, 4).Flatten();
        return n.Gemm(Classes).Output();
    }

    private static ModelProto KerasLstm()
    {
        const int steps = 20, features = 3, hidden = 8;
        var n = Keras("keras_lstm", 13, [1, steps, features]);
        n.Transpose(1, 0, 2);
        var w = n.Weights("lstm.W", 0.3, 1, 4 * hidden, features);
        var r = n.Weights("lstm.R", 0.3, 1, 4 * hidden, hidden);
        var b = n.Weights("lstm.B", 0.05, 1, 8 * hidden);
        var outputs = n.G.NodeN("LSTM", [n.X, w, r, b], 3, Attr.Int("hidden_size", hidden));
        n.X = outputs[1]; // Y_h: [1 direction, batch, hidden]
        return n.Squeeze(0).MatMulAdd(Classes).Softmax().Output();
    }

    private static ModelProto MishNet()
    {
        var n = Torch("mish", 13);
        ExportNet Mish()
        {
            var x = n.X;
            return n.Op("Softplus").Op("Tanh").Apply("Mul", [x, n.X]);
        }
        n.Conv(16, 3, 2).Bn();
        Mish();
        n.Conv(32, 3, 2).Bn();
        Mish();
        return n.Gap().Flatten().Gemm(Classes).Output();
    }

    private static ModelProto CntkVgg()
    {
        var n = new ExportNet("CNTKGraph", 9, "features", [1, 3, 32, 32], 15);
        n.Conv(16, 3).Relu().Conv(16, 3).Relu().MaxPool(2, 2).Conv(32, 3).Relu().MaxPool(2, 2).Dropout().Reshape(1, 32 * 8 * 8);
        n.Apply("MatMul", [n.X, n.Weights("W1", 0.02, 32 * 8 * 8, 64)]).Apply("Add", [n.X, n.Weights("b1", 0.05, 64)]).Relu();
        return n.Apply("MatMul", [n.X, n.Weights("W2", 0.1, 64, 10)]).Apply("Add", [n.X, n.Weights("b2", 0.05, 10)]).Output();
    }

    private static ModelProto KerasElu()
    {
        var n = Keras("keras_elu", 13, [1, 24]);
        return n.MatMulAdd(32).Op("Elu", Attr.Float("alpha", 1f)).MatMulAdd(16).Op("Elu", Attr.Float("alpha", 1f)).MatMulAdd(Classes).Softmax().Output();
    }
}
