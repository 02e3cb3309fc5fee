using NasiOnnx.Engine.Runtime;

namespace NasiOnnx.Engine.Ntk;

/// <summary>How the NTK estimators probe: how many directions, of which kind, and on how many sessions.</summary>
public sealed record NtkOptions
{
    /// <summary>Probe count K when <see cref="RelativeError"/> is null.</summary>
    public int Probes { get; init; } = 32;

    /// <summary>Adaptive mode: stop at the first K ≥ <see cref="MinProbes"/> whose standard error is below
    /// RelativeError · estimate, or at <see cref="MaxProbes"/>. Null: exactly <see cref="Probes"/> probes.</summary>
    public double? RelativeError { get; init; }

    /// <summary>Adaptive mode's floor: a standard error from fewer probes is itself too noisy to trust.</summary>
    public int MinProbes { get; init; } = 4;

    public int MaxProbes { get; init; } = 1024;

    public ProbeKind ProbeKind { get; init; } = ProbeKind.Rademacher;

    /// <summary>Probe k's direction comes from <c>Rng.For(Seed, "probe{k}")</c>.</summary>
    public ulong Seed { get; init; }

    /// <summary>‖h v‖ of the central differences (see <see cref="FiniteDifferenceJvp.DefaultStep"/>).</summary>
    public double Step { get; init; } = FiniteDifferenceJvp.DefaultStep;

    /// <summary>
    /// Whether <see cref="NtkEstimator.Gram"/> also builds the bn × bn matrix (at most
    /// <see cref="NtkEstimator.MaxGramRows"/> rows; its eigen-decomposition costs O((bn)³)).
    /// </summary>
    public bool FullGram { get; init; } = true;

    /// <summary>Central (two passes per probe) or forward (one) differences.</summary>
    public DifferenceScheme Scheme { get; init; } = DifferenceScheme.Central;

    /// <summary>
    /// Parallel sessions, each with its own pinned parameters; 0 = one per core on CPU, one on CUDA. Several
    /// 1-thread sessions beat one multi-thread session on CPU (measured: bench/NtkBenchmarks.cs).
    /// </summary>
    public int Workers { get; init; }

    /// <summary>Intra-op threads of each worker's session.</summary>
    public int ThreadsPerWorker { get; init; } = 1;

    public ExecutionProvider Provider { get; init; } = ExecutionProvider.Auto;

    /// <summary>
    /// Samples per forward pass, a divisor of the batch; 0 = the whole batch in one pass. A model with a fixed
    /// batch of 1 runs sample by sample; J v, and so every estimate, is the same when nothing mixes samples.
    /// </summary>
    public int SamplesPerPass { get; init; }

    public static NtkOptions Default { get; } = new();

    /// <summary>Throws a <see cref="NasiException"/> naming the first bad value.</summary>
    public void Validate()
    {
        if (Probes < 2) throw new NasiException($"Probes = {Probes}: need at least 2 for a standard error.");
        if (RelativeError is { } e && !(e > 0 && e < 1))
            throw new NasiException($"RelativeError = {e}: must lie in (0, 1).");
        if (MinProbes < 2) throw new NasiException($"MinProbes = {MinProbes}: need at least 2 for a standard error.");
        if (MaxProbes < MinProbes) throw new NasiException($"MaxProbes = {MaxProbes}: below MinProbes = {MinProbes}.");
        if (!(Step > 0) || double.IsInfinity(Step)) throw new NasiException($"Step = {Step}: must be a positive finite ‖h v‖.");
        if (Workers < 0) throw new NasiException($"Workers = {Workers}: must be ≥ 0 (0 = automatic).");
        if (SamplesPerPass < 0) throw new NasiException($"SamplesPerPass = {SamplesPerPass}: must be ≥ 0 (0 = the whole batch).");
        if (ThreadsPerWorker < 0) throw new NasiException($"ThreadsPerWorker = {ThreadsPerWorker}: must be ≥ 0 (0 = ONNX Runtime's default).");
        if (!Enum.IsDefined(Scheme)) throw new NasiException($"Scheme = {(int)Scheme}: not a difference scheme.");
        if (!Enum.IsDefined(ProbeKind)) throw new NasiException($"ProbeKind = {(int)ProbeKind}: not a probe kind.");
    }
}
