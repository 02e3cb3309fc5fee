using Onnx;
using NasiOnnx.Engine;
using NasiOnnx.Engine.Graphs;
using NasiOnnx.Engine.Init;

namespace NasiOnnx.Bench;

/// <summary>
/// The model and batch the NTK benchmarks run: any <c>.onnx</c> classifier named by NASI_BENCH_MODEL (e.g. a
/// NAS-Bench-201 cell once its builder lands), else a ~1M-parameter conv net with training-mode BatchNorm.
/// NASI_BENCH_BATCH sets the batch size (default 64); inputs are seeded N(0, 1).
/// </summary>
public static class NtkBenchModel
{
    public static (ModelProto Model, Tensor Inputs) Load()
    {
        var path = Environment.GetEnvironmentVariable("NASI_BENCH_MODEL");
        var model = string.IsNullOrEmpty(path) ? ConvNet() : ModelFile.Load(path);
        var batch = int.TryParse(Environment.GetEnvironmentVariable("NASI_BENCH_BATCH"), out var b) ? b : 64;
        return (model, Inputs(model, batch));
    }

    /// <summary>Seeded N(0, 1) data for the model's one non-initializer input, batch dimension replaced.</summary>
    public static Tensor Inputs(ModelProto model, int batch)
    {
        var initializers = model.Graph.Initializer.Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
        var input = model.Graph.Input.First(i => !initializers.Contains(i.Name));
        var dims = input.Type.TensorType.Shape.Dim.Select(d => d.HasDimValue ? d.DimValue : -1).ToArray();
        if (dims.Skip(1).Any(d => d < 1))
            throw new NasiException($"Input '{input.Name}' has a symbolic dimension besides the batch: [{string.Join(",", dims)}].");
        dims[0] = batch;
        var data = new float[Tensor.Count(dims)];
        Rng.For(1, "bench-inputs").FillGaussian(data);
        return new Tensor(data, dims);
    }

    /// <summary>Five 3×3 conv-BN-ReLU stages (32→64→128→256→256 channels, three stride-2) on 32×32, GAP, linear: 981,802 parameters.</summary>
    public static ModelProto ConvNet(int classes = 10, ulong seed = 0)
    {
        var g = GraphBuilder.Create("ntk_bench_convnet");
        var sampler = new WeightSampler(seed);
        var x = g.Input("x", ElementType.Float, GraphBuilder.SymbolicBatch, 3, 32, 32);
        (int Out, int Stride)[] stages = [(32, 1), (64, 2), (128, 2), (256, 2), (256, 1)];
        var channels = 3;
        for (var s = 0; s < stages.Length; s++)
        {
            var (c, stride) = stages[s];
            var w = $"stage{s}.conv.w";
            x = g.Node("Conv", [x, g.Initializer(w, sampler.Weight(w, [c, channels, 3, 3]), c, channels, 3, 3)],
                Attr.Ints("kernel_shape", 3, 3), Attr.Ints("pads", 1, 1, 1, 1), Attr.Ints("strides", stride, stride));
            var bn = g.NodeN("BatchNormalization",
                [x, g.Initializer($"stage{s}.bn.scale", WeightSampler.Constant(c, 1), c),
                 g.Initializer($"stage{s}.bn.bias", WeightSampler.Constant(c, 0), c),
                 g.Initializer($"stage{s}.bn.mean", WeightSampler.Constant(c, 0), c),
                 g.Initializer($"stage{s}.bn.var", WeightSampler.Constant(c, 1), c)],
                3, Attr.Int("training_mode", 1));
            x = g.Node("Relu", [bn[0]]);
            channels = c;
        }
        var pooled = g.Node("Flatten", [g.Node("GlobalAveragePool", [x])]);
        var logits = g.Node("Gemm", [pooled, g.Initializer("fc.w", sampler.Weight("fc.w", [classes, channels]), classes, channels),
            g.Initializer("fc.b", sampler.Bias("fc.b", classes, channels), classes)], Attr.Int("transB", 1));
        g.Output(logits, ElementType.Float, [GraphBuilder.SymbolicBatch, classes]);
        return g.Model;
    }
}
