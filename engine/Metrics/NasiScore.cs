using NasiOnnx.Engine.Graphs;

namespace NasiOnnx.Engine.Metrics;

/// <summary>
/// The NASI score of one batch: S = ‖∇θ L‖², L the batch-mean softmax cross-entropy at initialization, θ every
/// parameter (<see cref="ParameterSet"/>).
/// </summary>
/// <param name="Score">S, summed in double precision.</param>
/// <param name="GradientNorm">√S.</param>
/// <param name="Loss">L on the batch.</param>
/// <param name="Parameters">How many scalars θ has.</param>
/// <param name="Provider">"CPU" or "CUDA".</param>
/// <param name="BuildSeconds">Building the gradient model and its session (paid once per scorer).</param>
/// <param name="RunSeconds">This batch's forward and backward run.</param>
/// <param name="Gradients">∇θ L per parameter tensor name, in parameter order.</param>
public sealed record NasiScore(
    double Score,
    double GradientNorm,
    double Loss,
    long Parameters,
    string Provider,
    double BuildSeconds,
    double RunSeconds,
    IReadOnlyDictionary<string, Tensor> Gradients);
