namespace NasiOnnx.Engine.Scoring;

/// <summary>
/// How a model's batch dimension meets the scoring batch; each result row names it (column <c>batch</c>).
/// Where more than one route applies they give the same scores (tests/Scoring/BatchRouteTests.cs).
/// </summary>
public enum BatchRoute
{
    /// <summary>The model runs the batch as it is: its batch dimension is symbolic or already the batch size.</summary>
    AsIs,

    /// <summary>A fixed batch dimension (an export traced at batch 1) was made symbolic, with the shape constants
    /// that provably carry it, and a probe checked that samples stay independent (BatchRelaxer).</summary>
    Relaxed,

    /// <summary>The model runs at its own fixed batch, chunk by chunk: S from the mean of the chunks' gradients,
    /// the NTK trace as the sum over chunks. Exact when nothing mixes samples (running-statistics BatchNorm).</summary>
    PerSample,
}
