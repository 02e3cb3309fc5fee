using NasiOnnx.Engine;
using NasiOnnx.Engine.Autodiff;
using NasiOnnx.Engine.Graphs;
using NasiOnnx.Engine.Init;
using Microsoft.ML.OnnxRuntime;
using NasiOnnx.Engine.Runtime;
using NasiOnnx.Models.Nb201;
using NasiOnnx.Tests.Api;
using Onnx;

namespace NasiOnnx.Tests.Autodiff;

/// <summary>The CE loss head and whole-model gradients against central differences of the loss.</summary>
public class LossGradientTests
{
    private const ulong Seed = 4242;

    [Test]
    public void GemmClassifierLossGradientMatchesFiniteDifferences()
    {
        var rng = new Rng(Seed);
        var g = GraphBuilder.Create("gemm_classifier");
        var x = g.Input("input", ElementType.Float, 6, 5);
        var w = new float[7 * 5];
        rng.FillGaussian(w);
        var logits = g.Node("Gemm", [x, g.Initializer("w", w, 7, 5), g.Initializer("b", [0.1f, -0.2f, 0.3f, 0, 0.5f, -0.1f, 0.2f], 7)], Attr.Int("transB", 1));
        g.Output(logits, ElementType.Float, [6, 7]);

        var model = LossGradient.Build(g.Model, [6, 5]);
        var input = GradientTestKit.Gaussian(rng, 6, 5);
        var labels = GradientTestKit.Labels(rng, 6, 7);
        var (loss, gradients) = Run(model, input, labels);

        Assert.That(model.Gradients.Keys, Is.EqualTo(new[] { "w", "b" }));
        Assert.That(loss, Is.EqualTo(ReferenceLoss(input.Data, w, [0.1f, -0.2f, 0.3f, 0, 0.5f, -0.1f, 0.2f], labels)).Within(1e-5), "loss head value");
        foreach (var name in model.Gradients.Keys)
            CheckDirectional(model, gradients, [name], input, labels, rng, tolerance: 1e-3, $"parameter {name}");
    }

    /// <remarks>
    /// The loss is a float32 scalar near 2.3: its central difference carries round-off of about 1e-6 / 2h, and
    /// whole-parameter steps move some ReLU inputs across the kink, while random directions over ~1.4k parameters
    /// cancel down to small derivatives. So: per-tensor directions on the smooth (Tanh) variant at 1e-3, and whole
    /// directions at 5e-3 (Tanh, h = 1e-2) and 2e-2 (Relu, with a smaller step h = 2e-3 to cross fewer kinks; ONNX-RUNTIME.md measures about 1 % drift over h on such nets).
    /// A wrong rule is off by far more.
    /// </remarks>
    [TestCase("Tanh", 1e-2, 5e-3)]
    [TestCase("Relu", 2e-3, 2e-2)]
    public void ConvNetLossGradientMatchesFiniteDifferencesAlongRandomDirections(string activation, double h, double tolerance)
    {
        var rng = new Rng(Seed + 1);
        var forward = SmallConvNet.Build(batch: 4, activation: activation);
        var model = LossGradient.Build(forward, [4, 3, 8, 8]);
        Assert.That(model.Gradients.Keys, Is.EquivalentTo(ParameterSet.Of(forward).Names));
        var input = GradientTestKit.Gaussian(rng, 4, 3, 8, 8);
        var labels = GradientTestKit.Labels(rng, 4, 10);
        var (_, gradients) = Run(model, input, labels);
        for (var k = 0; k < 3; k++)
            CheckDirectional(model, gradients, model.Gradients.Keys.ToList(), input, labels, rng, tolerance, $"{activation} net, direction {k}, h {h}", h);
    }

    [Test]
    public void SmoothConvNetLossGradientMatchesFiniteDifferencesPerParameterTensor()
    {
        var rng = new Rng(Seed + 3);
        var forward = SmallConvNet.Build(batch: 4, activation: "Tanh");
        var model = LossGradient.Build(forward, [4, 3, 8, 8]);
        var input = GradientTestKit.Gaussian(rng, 4, 3, 8, 8);
        var labels = GradientTestKit.Labels(rng, 4, 10);
        var (_, gradients) = Run(model, input, labels);
        // conv1.b feeds a batch-statistics BN, which removes any per-channel shift: its gradient is 0 (to round-off).
        Assert.That(gradients["conv1.b"].Select(Math.Abs).Max(), Is.LessThan(1e-6));
        foreach (var name in model.Gradients.Keys.Where(n => n != "conv1.b"))
            CheckDirectional(model, gradients, [name], input, labels, rng, 1e-3, $"parameter {name}", h: 1e-2);
    }

    [Test]
    public void ArchitectureWeightInputsAreDifferentiatedAlongsideParameters()
    {
        // A graph input scaling a branch, as the supernet's mixing weights will: d loss / d alpha = <dL/dy, branch>.
        var rng = new Rng(Seed + 2);
        var g = GraphBuilder.Create("mixed");
        var x = g.Input("input", ElementType.Float, 4, 5);
        var alpha = g.Input("alpha", ElementType.Float, 2);
        var w = new float[5 * 3];
        rng.FillGaussian(w);
        var branch = g.Node("MatMul", [x, g.Initializer("w", w, 5, 3)]);
        var a0 = g.Node("Slice", [alpha, g.Int64Constant("s", 0), g.Int64Constant("e", 1)]);
        var a1 = g.Node("Slice", [alpha, g.Int64Constant("s", 1), g.Int64Constant("e", 2)]);
        var mixed = g.Node("Add", [g.Node("Mul", [branch, a0]), g.Node("Mul", [g.Node("Relu", [branch]), a1])]);
        g.Output(mixed, ElementType.Float, [4, 3]);

        var model = LossGradient.Build(g.Model, [4, 5], wrtInputs: ["alpha"]);
        Assert.That(model.Gradients.Keys, Is.EqualTo(new[] { "w", "alpha" }));
        var input = GradientTestKit.Gaussian(rng, 4, 5);
        var labels = GradientTestKit.Labels(rng, 4, 3);
        var alphaValue = new Tensor([0.3f, 0.7f], [2]);
        using var session = SessionFactory.Create(model.Model, GradientTestKit.Cpu);
        var feeds = new Dictionary<string, Tensor> { ["input"] = input, ["alpha"] = alphaValue };
        var ints = new Dictionary<string, long[]> { ["labels"] = labels };
        var gradAlpha = session.Run(feeds, ints, [model.Gradients["alpha"]])[0].Data;
        for (var i = 0; i < 2; i++)
        {
            const double h = 1e-2;
            double LossAt(double delta)
            {
                var moved = (float[])alphaValue.Data.Clone();
                moved[i] += (float)delta;
                return session.Run(new Dictionary<string, Tensor>(feeds) { ["alpha"] = new Tensor(moved, [2]) }, ints, [model.Loss!])[0].Data[0];
            }
            var numeric = (LossAt(h) - LossAt(-h)) / (2 * h);
            Assert.That(gradAlpha[i], Is.EqualTo(numeric).Within(1e-3 * Math.Max(1, Math.Abs(numeric))), $"d loss / d alpha[{i}] (seed {Seed + 2})");
        }
    }

    private static (double Loss, Dictionary<string, float[]> Gradients) Run(GradientModel model, Tensor input, long[] labels)
    {
        using var session = SessionFactory.Create(model.Model, GradientTestKit.Cpu);
        var names = model.Gradients.Keys.ToList();
        var results = session.Run(new Dictionary<string, Tensor> { ["input"] = input }, new Dictionary<string, long[]> { ["labels"] = labels },
            [model.Loss!, .. names.Select(n => model.Gradients[n])]);
        return (results[0].Data[0], names.Select((n, i) => (n, results[i + 1].Data)).ToDictionary(p => p.n, p => p.Data));
    }

    private static void CheckDirectional(GradientModel model, Dictionary<string, float[]> gradients, IReadOnlyList<string> names,
        Tensor input, long[] labels, Rng rng, double tolerance, string what, double h = 1e-3)
    {
        var direction = GradientTestKit.Direction(model.Model, names, rng);
        var analytic = names.Sum(n => GradientCheckTests.Dot(direction[n], gradients[n]));
        var numeric = GradientTestKit.CentralDifference(model.Model, direction, h,
            new Dictionary<string, Tensor> { ["input"] = input }, new Dictionary<string, long[]> { ["labels"] = labels }, model.Loss!);
        // The floor is the loss difference's round-off (≈ 1e-6 / 2h): below it the relative error means nothing.
        var error = Math.Abs(analytic - numeric) / Math.Max(Math.Max(Math.Abs(analytic), Math.Abs(numeric)), 1e-6 / h);
        Assert.That(error, Is.LessThan(tolerance), $"{what}: <u, grad> = {analytic:G8}, finite difference = {numeric:G8} (seed {Seed})");
    }

    /// <summary>Mean softmax cross-entropy in double, for x [b, k] · wᵀ + bias.</summary>
    private static double ReferenceLoss(float[] x, float[] w, float[] bias, long[] labels)
    {
        int b = labels.Length, classes = bias.Length, features = x.Length / b;
        double total = 0;
        for (var n = 0; n < b; n++)
        {
            var z = new double[classes];
            for (var c = 0; c < classes; c++)
            {
                z[c] = bias[c];
                for (var f = 0; f < features; f++) z[c] += (double)x[n * features + f] * w[c * features + f];
            }
            var max = z.Max();
            var logSum = max + Math.Log(z.Sum(v => Math.Exp(v - max)));
            total += logSum - z[labels[n]];
        }
        return total / b;
    }

    /// <summary>
    /// The gradient graph the scorer runs is already in the form ONNX Runtime's basic and extended transformers would
    /// give it, so they change nothing while a session is made: each change costs a graph resolve, and the loss node's
    /// inlined function body, a Mul of two constants, transposes around a MatMul and a scale after a conv took the
    /// default cell's session from 55 to 97 ms. Compared by op type, before and after ONNX Runtime's extended level.
    /// </summary>
    [Test]
    public void Nb201GradientGraphIsAFixedPointOfOnnxRuntimesExtendedOptimizations()
    {
        var forward = Nb201Network.Build(Nb201Presets.SampleBestCifar10, TinyApi.Nb201);
        var gradient = LossGradient.Build(forward, [2, 3, 8, 8], options: new GradientOptions { Kernels = GradientKernelMode.Fused, ConstantWeights = true });
        var ours = ModelFile.ToBytes(gradient.Model);
        var path = Path.Combine(Path.GetTempPath(), $"nasi-fixed-point-{Guid.NewGuid():N}.onnx");
        try
        {
            using (var so = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_EXTENDED, OptimizedModelFilePath = path })
            {
                Engine.Autodiff.Kernels.GradientKernels.AddTo(so);
                using var session = new InferenceSession(ours, so);
            }
            var optimized = ModelProto.Parser.ParseFrom(File.ReadAllBytes(path));
            Assert.That(OpCounts(optimized), Is.EquivalentTo(OpCounts(gradient.Model)));
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>
    /// The fused kernels' outputs carry their shapes (ONNX Runtime cannot infer a custom op's), so its NCHWc pass can prove
    /// that two input-gradient convs' outputs have one shape and fuse their Add into the second conv. Without the
    /// declared shapes every such Add stays, between Reshapes. Also: the declared shapes are the inferred ones.
    /// </summary>
    [Test]
    public void AddsOfTwoInputGradientConvsAreFusedIntoTheConvs()
    {
        var forward = Nb201Network.Build(Nb201Presets.SampleBestCifar10, new Nb201NetworkOptions { C = 8, N = 1, InputSize = 8, Seed = 3 });
        var gradient = LossGradient.Build(forward, [2, 3, 8, 8], options: new GradientOptions { Kernels = GradientKernelMode.Fused, ConstantWeights = true });
        var graph = gradient.Model.Graph;
        var declared = graph.ValueInfo.ToDictionary(v => v.Name, v => v.Type.TensorType.Shape.Dim.Select(d => d.DimValue).ToArray());
        var inferred = StaticShapes.For(gradient.Model, new Dictionary<string, long[]> { [Nb201Network.InputName] = [2, 3, 8, 8] }, [Nb201Network.InputName]);
        var kernelOutputs = graph.Node.Where(n => n.Domain == Engine.Autodiff.Kernels.GradientKernels.Domain).SelectMany(n => n.Output)
            .Where(o => !graph.Output.Any(g => g.Name == o)).ToList();
        Assert.That(kernelOutputs, Is.Not.Empty);
        foreach (var output in kernelOutputs)
            Assert.That(declared[output], Is.EqualTo(inferred.Shape(output)), output);

        var convs = graph.Node.Where(n => n.OpType == "Conv").SelectMany(n => n.Output).ToHashSet();
        var convAdds = graph.Node.Count(n => n.OpType == "Add" && n.Input.All(convs.Contains));
        Assert.That(convAdds, Is.GreaterThan(0), "the cell has a node that feeds two conv edges");
        var path = Path.Combine(Path.GetTempPath(), $"nasi-nchwc-{Guid.NewGuid():N}.onnx");
        try
        {
            using (var so = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL, OptimizedModelFilePath = path })
            {
                Engine.Autodiff.Kernels.GradientKernels.AddTo(so);
                using var session = new InferenceSession(ModelFile.ToBytes(gradient.Model), so);
            }
            var optimized = ModelProto.Parser.ParseFrom(File.ReadAllBytes(path)).Graph;
            var nchwcConvs = optimized.Node.Where(n => n.OpType == "Conv" && n.Domain == "com.microsoft.nchwc").ToList();
            Assert.That(nchwcConvs.Count(n => n.Input.Count == 4 && n.Input[3].Length > 0), Is.EqualTo(convAdds), "convs that add a sum input");
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>Logits that are not [batch, classes, …] get a clear error naming the output, not an exception from
    /// inside a gradient rule (a fuzzed model whose output had lost its batch axis crashed there).</summary>
    [Test]
    public void LogitsWithoutABatchAxisAreRefusedByName()
    {
        var g = GraphBuilder.Create("flat_output");
        var x = g.Input("input", ElementType.Float, 6, 7);
        var w = g.Initializer("w", Enumerable.Range(0, 42).Select(i => i * 0.01f).ToArray(), 6, 7);
        var output = g.Node("ReduceSum", [g.Node("Mul", [x, w]), g.Int64Constant("axes", 0)], Attr.Int("keepdims", 0));
        g.Output(output, ElementType.Float, [7]);
        var error = Assert.Throws<GraphException>(() => LossGradient.Build(g.Model, [6, 7]))!;
        Assert.That(error.Message, Does.Contain($"output '{output}' is Float [7]").And.Contain("float logits [batch 6, classes"));
    }

    private static IEnumerable<string> OpCounts(ModelProto model) =>
        model.Graph.Node.GroupBy(n => $"{n.Domain}:{n.OpType}").Select(g => $"{g.Key} ×{g.Count()}");
}
