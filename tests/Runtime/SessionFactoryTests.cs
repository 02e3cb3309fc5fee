using NasiOnnx.Engine;
using NasiOnnx.Engine.Graphs;
using NasiOnnx.Engine.Init;
using NasiOnnx.Engine.Runtime;
using NasiOnnx.Tests.Autodiff;

namespace NasiOnnx.Tests.Runtime;

public class SessionFactoryTests
{
    [Test]
    public void TrainingBatchNormWithPyTorchMomentumStillNormalizesWithBatchStatistics()
    {
        // Regression (microsoft/onnxruntime#29790): with momentum 0.9 and optimizations on, ORT 1.31 leaks the
        // momentum into Y. The factory must hand ORT a model whose Y is the batch-statistics normalization.
        var g = GraphBuilder.Create("bn");
        var x = g.Input("x", ElementType.Float, 8, 3, 4, 4);
        var y = g.NodeN("BatchNormalization",
            [x, g.Initializer("s", [1, 1, 1], 3), g.Initializer("b", [0, 0, 0], 3), g.Initializer("m", [0, 0, 0], 3), g.Initializer("v", [1, 1, 1], 3)],
            3, Attr.Int("training_mode", 1), Attr.Float("momentum", 0.9f))[0];
        g.Output(y, ElementType.Float, [8, 3, 4, 4]);
        var input = Tensor.Zeros(8, 3, 4, 4);
        new Rng(3).FillGaussian(input.Data, mean: 2, std: 3);

        using var session = SessionFactory.Create(g.Model, new RuntimeOptions { Provider = ExecutionProvider.Cpu });
        var output = session.Run(new Dictionary<string, Tensor> { ["x"] = input }, null, [y])[0].Data;
        for (var c = 0; c < 3; c++)
        {
            var values = Enumerable.Range(0, 8).SelectMany(n => Enumerable.Range(0, 16).Select(i => (double)output[(n * 3 + c) * 16 + i])).ToList();
            var mean = values.Average();
            Assert.That(mean, Is.EqualTo(0).Within(1e-5), $"channel {c}");
            Assert.That(values.Average(v => (v - mean) * (v - mean)), Is.EqualTo(1).Within(1e-3), $"channel {c}");
        }
        Assert.That(g.Model.Graph.Node[0].GetFloat("momentum", 0), Is.EqualTo(0.9f), "the caller's model is not modified");
    }

    /// <summary>
    /// Regression: every CPU session registers the fused kernels' shared custom-op domain while it is created, and two
    /// creations at once once failed one class of a 2-worker whole-space scan ("domain is already exist"). Many threads
    /// creating and running sessions at once must all succeed. (Without the factory's lock this test failed in 1 to 3 of
    /// 5 runs on the project's 2-core machine: the race needs two creations to meet, so it is a guard, not a proof.)
    /// </summary>
    [Test]
    public void SessionsCreatedOnManyThreadsAtOnceAllSucceed()
    {
        var g = GraphBuilder.Create("relu");
        var x = g.Input("x", ElementType.Float, 2, 3);
        var y = g.Node("Relu", [x]);
        g.Output(y, ElementType.Float, [2, 3]);
        var input = new Tensor([-1, 2, -3, 4, -5, 6], [2, 3]);
        var failures = new System.Collections.Concurrent.ConcurrentBag<string>();
        var start = new Barrier(8);
        var threads = Enumerable.Range(0, 8).Select(_ => new Thread(() =>
        {
            for (var i = 0; i < 100; i++)
                try
                {
                    start.SignalAndWait(); // every round, all threads create at the same moment
                    using var session = SessionFactory.Create(g.Model, new RuntimeOptions { Provider = ExecutionProvider.Cpu, IntraOpThreads = 1 });
                    var output = session.Run(new Dictionary<string, Tensor> { ["x"] = input }, null, [y])[0].Data;
                    if (!output.SequenceEqual(new float[] { 0, 2, 0, 4, 0, 6 })) failures.Add("wrong output");
                }
                catch (Exception e)
                {
                    failures.Add(e.Message);
                }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        Assert.That(failures, Is.Empty);
    }

    [Test]
    public void TheCpuBuildSaysWhichProviderRunsAndRefusesCuda()
    {
        Assert.That(SessionFactory.ProviderLine(new RuntimeOptions { Provider = ExecutionProvider.Cpu }), Does.StartWith("provider: CPU"));
        if (SessionFactory.IsGpuBuild) Assert.Ignore("GPU build: the CPU-package behaviour is not what runs here.");
        Assert.That(SessionFactory.ProviderLine(RuntimeOptions.Default), Does.Contain("CPU runtime package"));
        var ex = Assert.Throws<NasiException>(() => SessionFactory.ProviderLine(new RuntimeOptions { Provider = ExecutionProvider.Cuda }));
        Assert.That(ex!.Message, Does.Contain("CUDA was requested but is not usable"));
    }

    [Test]
    public void SessionsSharingTheProcessArenaComputeWhatPrivateArenasDo()
    {
        // The shared arena changes where tensors live, never what is computed: bit-identical outputs, for sessions
        // running at once and for one made after others were disposed.
        var model = SmallConvNet.Build(batch: 16, size: 16, channels: 16);
        var input = Tensor.Zeros(16, 3, 16, 16);
        new Rng(5).FillGaussian(input.Data);
        var feeds = new Dictionary<string, Tensor> { ["input"] = input };
        float[] Logits(RuntimeOptions options)
        {
            using var session = SessionFactory.Create(model, options);
            return session.Run(feeds, null, ["logits"])[0].Data;
        }

        var cpu = new RuntimeOptions { Provider = ExecutionProvider.Cpu, IntraOpThreads = 1 };
        var reference = Logits(cpu with { SharedCpuArena = false });
        var concurrent = new float[4][];
        Parallel.For(0, concurrent.Length, i => concurrent[i] = Logits(cpu));
        foreach (var logits in concurrent) Assert.That(logits, Is.EqualTo(reference));
        Assert.That(Logits(cpu), Is.EqualTo(reference));
    }
}
