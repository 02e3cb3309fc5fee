using NasiOnnx.Engine.Data;
using NasiOnnx.Engine.Graphs;
using Onnx;

namespace NasiOnnx.Engine.Scoring;

/// <summary>What every pass of one model starts from: its <see cref="ScoringPlan"/> (the prepared model, the batch and
/// its source, for further batches of the same data mode, and how the two meet), and the options.</summary>
public sealed record PassInputs(ScoringPlan Plan, ScoringOptions Options, CancellationToken CancellationToken)
{
    public ModelProto Model => Plan.Model;

    public ModelSignature Signature => Plan.Signature;

    public long Parameters => Plan.Parameters;

    public Batch Batch => Plan.Batch;

    public BatchSource Data => Plan.Data;
}
