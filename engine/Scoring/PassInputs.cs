using NasiOnnx.Engine.Data;
using NasiOnnx.Engine.Graphs;
using Onnx;

namespace NasiOnnx.Engine.Scoring;

/// <summary>What every pass of one model starts from: the prepared model, its signature, the batch and its source
/// (for further batches of the same data mode), and the options.</summary>
public sealed record PassInputs(
    ModelProto Model,
    ModelSignature Signature,
    long Parameters,
    Batch Batch,
    BatchSource Data,
    ScoringOptions Options,
    CancellationToken CancellationToken);
