using NasiOnnx.Engine.Autodiff;

namespace NasiOnnx.Engine.Runtime;

/// <summary>How sessions are made: provider and thread counts (0 = ONNX Runtime's default).</summary>
public sealed record RuntimeOptions
{
    public ExecutionProvider Provider { get; init; } = ExecutionProvider.Auto;
    public int IntraOpThreads { get; init; }
    public int InterOpThreads { get; init; }

    /// <summary>
    /// CPU sessions draw their memory from one process-wide ONNX Runtime arena, so a new session reuses pages an
    /// earlier one has already touched. A first run otherwise spends most of its time faulting in fresh memory:
    /// scoring a folder of NAS-Bench-201 models took a third less time with it. The arena then keeps its peak size
    /// until the process exits; false gives each session its own arena, freed when the session is disposed.
    /// </summary>
    public bool SharedCpuArena { get; init; } = true;

    /// <summary>
    /// Let idle intra-op threads spin-wait between ops (ONNX Runtime's own default) instead of sleeping. On an
    /// otherwise idle machine a 2-thread gradient pass is then 10–17 % faster (thousands of small ops, each
    /// paying a wake-up otherwise); beside other busy work the spinning threads steal its cores and forward passes
    /// ran 2× slower (engine/Ntk/NOTES.md). Off by default; turn it on where the engine has the cores to itself.
    /// </summary>
    public bool AllowSpinning { get; init; }

    /// <summary>
    /// The ops gradient graphs are built from on CPU sessions: the fused C# kernels run as ONNX Runtime custom
    /// operators where a rule has one (the default: faster, and far fewer nodes to build a session from), or the
    /// standard ai.onnx ops, which are the reference. CUDA sessions always get standard ops
    /// (<see cref="SessionFactory.GradientKernels"/>).
    /// </summary>
    public GradientKernelMode GradientKernels { get; init; } = GradientKernelMode.Fused;

    /// <summary>Write ONNX Runtime's per-node profile of every run to files starting with this path (for
    /// <c>bench</c>); <see cref="Session.EndProfiling"/> closes the file. Null: no profiling.</summary>
    public string? ProfilePrefix { get; init; }

    public static RuntimeOptions Default { get; } = new();
}
