using Onnx;

namespace NasiOnnx.Engine.Scoring;

/// <summary>What a <see cref="MetricEntry"/> computes from: the model, the options and every pass's results.</summary>
public sealed class MetricContext(ModelProto model, long parameters, int batchSize, ScoringOptions options, PassResults passes,
    Func<string, double> value)
{
    /// <summary>The model as scored (after <see cref="ModelScorer.Prepare"/>).</summary>
    public ModelProto Model { get; } = model;

    /// <summary>Its parameter count (<see cref="Graphs.ParameterSet"/>).</summary>
    public long Parameters { get; } = parameters;

    /// <summary>Samples in the scored batch (what the options asked for, or what a data file allowed).</summary>
    public int BatchSize { get; } = batchSize;

    public ScoringOptions Options { get; } = options;

    public PassResults Passes { get; } = passes;

    /// <summary>Another metric's first column for this model, computed on demand (an ensemble reads its members).</summary>
    public double Value(string metric) => value(metric);
}
