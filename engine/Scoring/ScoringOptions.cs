using NasiOnnx.Engine.Data;
using NasiOnnx.Engine.Graphs;
using NasiOnnx.Engine.Ntk;
using NasiOnnx.Engine.Runtime;

namespace NasiOnnx.Engine.Scoring;

/// <summary>What to compute for each model, on which data, within which limits.</summary>
public sealed record ScoringOptions
{
    public IReadOnlyList<Metric> Metrics { get; init; } = [Metric.Nasi];

    /// <summary>The batch size; null: the data's own (a .npy of n samples is a batch of n), else
    /// <see cref="Data.BatchSize.Default"/>. See <see cref="Data.BatchSize.Resolve"/>.</summary>
    public int? BatchSize { get; init; }

    /// <summary>The route for a model whose batch dimension is fixed to another size (<see cref="Scoring.BatchRoute"/>);
    /// null: relaxed where the graph allows it, else per-sample where that is exact.</summary>
    public BatchRoute? Route { get; init; }

    /// <summary>Seed of the data (Gaussian inputs, random labels) and of the NTK probes.</summary>
    public ulong Seed { get; init; }

    /// <summary>The data and labels every model is scored on.</summary>
    public DataOptions Data { get; init; } = DataOptions.Gaussian;

    /// <summary>Training: switch BatchNormalization to batch statistics; null: score the model as given.</summary>
    public BatchNormMode? BatchNorm { get; init; }

    /// <summary>The sample shape for inputs whose non-batch dimensions are symbolic.</summary>
    public long[]? InputShape { get; init; }

    /// <summary>μ and ν of the objective R = S − μ·max(0, S − ν).</summary>
    public double Mu { get; init; } = 2;
    public double? Nu { get; init; }

    public RuntimeOptions Runtime { get; init; } = RuntimeOptions.Default;
    public NtkOptions Ntk { get; init; } = NtkOptions.Default;

    /// <summary>Refuse models with more parameters than this, before allocating anything for them.</summary>
    public long? MaxParameters { get; init; }

    /// <summary>Refuse models whose estimated memory (weights, gradients, activations) exceeds this many bytes.</summary>
    public long? MaxMemoryBytes { get; init; }

    /// <summary>The result columns of <paramref name="metrics"/>, in order (<see cref="MetricTable.Columns"/>).</summary>
    public static IReadOnlyList<string> Columns(IReadOnlyList<Metric> metrics) => MetricTable.Columns(metrics);
}
