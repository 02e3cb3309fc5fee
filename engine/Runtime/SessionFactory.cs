using Microsoft.ML.OnnxRuntime;
using Onnx;
using NasiOnnx.Engine.Autodiff;
using NasiOnnx.Engine.Graphs;

namespace NasiOnnx.Engine.Runtime;

/// <summary>
/// The one place that makes ONNX Runtime sessions. CPU by default; CUDA when the engine is built with the GPU
/// package and a device actually runs a graph, else a clean fallback to CPU. <see cref="ProviderLine"/> says which
/// provider runs and why, once per process.
/// </summary>
public static class SessionFactory
{
    private static readonly Lazy<(bool Ok, string Why)> CudaProbe = new(ProbeCuda);
    private static readonly Lazy<bool> SharedArena = new(RegisterSharedArena);

    /// <summary>True when this build references the CUDA runtime package.</summary>
    public static bool IsGpuBuild =>
#if NASI_GPU
        true;
#else
        false;
#endif

    /// <summary>The provider sessions get under <paramref name="options"/>, and why: "provider: CPU (…)".</summary>
    public static string ProviderLine(RuntimeOptions options) => Resolve(options.Provider).Line;

    /// <summary>The gradient ops for sessions made under <paramref name="options"/>: the fused CPU kernels when
    /// asked for and the provider is the CPU, standard ops otherwise (CUDA never runs the C# kernels).</summary>
    public static GradientKernelMode GradientKernels(RuntimeOptions options) =>
        options.GradientKernels == GradientKernelMode.Fused && !Resolve(options.Provider).Cuda ? GradientKernelMode.Fused : GradientKernelMode.Standard;

    /// <summary>The provider's short name ("CPU" or "CUDA") under <paramref name="options"/>.</summary>
    public static string ProviderName(RuntimeOptions options) => Resolve(options.Provider).Cuda ? "CUDA" : "CPU";

    /// <summary>A session for <paramref name="model"/> (not modified). Training-mode BatchNormalization is run with
    /// momentum 1 to dodge an ONNX Runtime bug that corrupts its output otherwise (see ModelNormalizer).</summary>
    public static Session Create(ModelProto model, RuntimeOptions options)
    {
        if (ModelNormalizer.NeedsBatchNormMomentumFix(model))
        {
            model = model.Clone();
            ModelNormalizer.FixTrainingBatchNormMomentum(model);
        }
        return Create(ModelFile.ToBytes(model), options, model.Graph.Name);
    }

    private static readonly object CreationGate = new();

    /// <summary>A session for serialized model bytes, taken as they are (callers that serialize a model themselves
    /// apply <see cref="ModelNormalizer.FixTrainingBatchNormMomentum"/> first).</summary>
    public static Session Create(byte[] modelBytes, RuntimeOptions options, string name = "model")
    {
        var (cuda, line) = Resolve(options.Provider);
        var so = MakeOptions(options, cuda);
        try
        {
            // Sessions share one custom-op domain object: ONNX Runtime registers its schemas while a session is
            // created, and two creations at once can collide ("domain is already exist", seen once in a 2-worker
            // whole-space scan), so creations take turns. Runs stay concurrent.
            InferenceSession session;
            lock (CreationGate) session = new InferenceSession(modelBytes, so);
            return new Session(session, so, cuda ? "CUDA" : "CPU", line);
        }
        catch (OnnxRuntimeException e)
        {
            so.Dispose();
            throw new GraphException($"ONNX Runtime refused graph '{name}': {FirstLine(e.Message)}");
        }
        catch
        {
            so.Dispose();
            throw;
        }
    }

    /// <summary>
    /// ONNX Runtime graph transformers that never fire on the float CNN graphs scored here (transformer-block
    /// fusions, quantization, NHWC for quantized kernels), skipped so that a session for a gradient graph of 1,000+
    /// nodes is made about 20 % faster (thread CPU time, ORT's verbose log times each pass: each walks the whole
    /// graph). Skipping a fusion never changes a result beyond what the fusion itself would have (GELU
    /// approximations, quantization), and none of these matches a float CNN.
    /// </summary>
    private const string UnusedCpuOptimizers =
        "AttentionFusion;BiasDropoutFusion;BiasGeluFusion;BiasSkipLayerNormFusion;BiasSoftmaxFusion;DoubleQDQPairsRemover;" +
        "DynamicQuantizeMatMulFusion;EmbedLayerNormFusion;EnsureUniqueDQForNodeUnit;FastGeluFusion;FuseFp16InitializerToFp32NodeTransformer;" +
        "GatherSliceToSplitFusion;GatherToSliceFusion;GeluFusionL1;GeluFusionL2;GroupQueryAttentionFusion;GroupQueryAttentionPreNormFusion;" +
        "LayerNormFusionL1;LayerNormFusionL2;MatMulIntegerToFloatFusion;MatMulNBitsFusion;NhwcTransformer;QDQFinalCleanupTransformer;" +
        "QDQPropagationTransformer;QDQS8ToU8Transformer;QDQSelectorActionTransformer;QuickGeluFusion;SimplifiedLayerNormFusion;" +
        "SkipLayerNormFusion;SliceConcatToSpaceToDepthFusion;WeightBiasQuantization;WhereDummyDq";

    private static SessionOptions MakeOptions(RuntimeOptions options, bool cuda)
    {
        var so = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            // On the CPU a memory pattern is one block per run, allocated outside the arena's free chunks: a new
            // session's second run faulted its ~350 MB in again (89,000 faults, +0.35 s for an NB201 gradient graph)
            // where tensor-by-tensor arena allocations reuse the first run's pages; warm runs are as fast either way.
            EnableMemoryPattern = cuda,
            LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL, // its errors reach the user as our exceptions' text, once
        };
        try
        {
            if (options.IntraOpThreads > 0) so.IntraOpNumThreads = options.IntraOpThreads;
            if (options.ProfilePrefix is { } prefix)
            {
                so.ProfileOutputPathPrefix = prefix; // before enabling: EnableProfiling takes the prefix set at that moment
                so.EnableProfiling = true;
            }
            so.AddSessionConfigEntry("session.intra_op.allow_spinning", options.AllowSpinning ? "1" : "0");
            if (options.InterOpThreads > 0) so.InterOpNumThreads = options.InterOpThreads;
            if (options.SharedCpuArena && !cuda && SharedArena.Value) so.AddSessionConfigEntry("session.use_env_allocators", "1");
            if (cuda) so.AppendExecutionProvider_CUDA(0);
            else
            {
                Autodiff.Kernels.GradientKernels.AddTo(so); // CPU only: the C# kernels never run on CUDA sessions
                so.AddSessionConfigEntry("optimization.disable_specified_optimizers", UnusedCpuOptimizers);
            }
            return so;
        }
        catch
        {
            so.Dispose();
            throw;
        }
    }

    /// <summary>Registers one CPU arena with ONNX Runtime's process-wide environment (see
    /// <see cref="RuntimeOptions.SharedCpuArena"/>); false, and sessions keep their own, if ORT refuses.</summary>
    private static bool RegisterSharedArena()
    {
        try
        {
            using var memory = new OrtMemoryInfo(OrtMemoryInfo.allocatorCPU, OrtAllocatorType.ArenaAllocator, 0, OrtMemType.Default);
            using var arena = new OrtArenaCfg(0, -1, -1, -1); // ORT's defaults for size, strategy and chunks
            OrtEnv.Instance().CreateAndRegisterAllocator(memory, arena);
            return true;
        }
        catch (OnnxRuntimeException)
        {
            return false;
        }
    }

    private static (bool Cuda, string Line) Resolve(ExecutionProvider requested)
    {
        switch (requested)
        {
            case ExecutionProvider.Cpu:
                return (false, "provider: CPU (requested)");
            case ExecutionProvider.Cuda:
                var probe = CudaProbe.Value;
                if (!probe.Ok) throw new NasiException($"CUDA was requested but is not usable: {probe.Why}");
                return (true, "provider: CUDA (requested; device 0)");
            default:
                if (!IsGpuBuild) return (false, "provider: CPU (this build uses the CPU runtime package; build with -p:NasiGpu=true for CUDA)");
                var p = CudaProbe.Value;
                return p.Ok ? (true, "provider: CUDA (device 0)") : (false, $"provider: CPU (CUDA not usable: {p.Why})");
        }
    }

    /// <summary>
    /// GetAvailableProviders lists CUDA even without a GPU, so the only proof is a session that runs a graph.
    /// </summary>
    private static (bool, string) ProbeCuda()
    {
        if (!IsGpuBuild) return (false, "this build references the CPU runtime package");
        try
        {
            var g = GraphBuilder.Create("cuda_probe");
            var x = g.Input("x", ElementType.Float, 1);
            g.Output(g.Node("Relu", [x]), ElementType.Float, [1]);
            using var so = MakeOptions(RuntimeOptions.Default, cuda: true);
            using var session = new InferenceSession(ModelFile.ToBytes(g.Model), so);
            using var input = OrtValue.CreateTensorValueFromMemory(new float[] { 1f }, new long[] { 1 });
            using var outputs = session.Run(new RunOptions(), [session.InputNames[0]], [input], session.OutputNames);
            return (true, "");
        }
        catch (Exception e) when (e is OnnxRuntimeException or EntryPointNotFoundException or DllNotFoundException or TypeInitializationException)
        {
            return (false, FirstLine(e.Message));
        }
    }

    private static string FirstLine(string s)
    {
        var i = s.IndexOfAny(['\r', '\n']);
        return (i < 0 ? s : s[..i]).Trim();
    }
}
