namespace NasiOnnx.Engine.Costs;

/// <summary>
/// What a budget limits. The names on the command line (<see cref="CostConstraint.Name"/>) are the metric names of
/// the same quantities: <c>params</c>, <c>flops</c> (multiply-accumulates) and <c>latency_ms</c>.
/// </summary>
public enum CostKind
{
    /// <summary>Trainable parameters, as <c>ParameterSet</c> counts them.</summary>
    Params,

    /// <summary>Multiply-accumulates of one sample's forward pass (<c>FlopCount.Macs</c>, NAS-Bench-201's "FLOPs").</summary>
    Flops,

    /// <summary>Measured inference time of the evaluation network in milliseconds (warm median).</summary>
    LatencyMs,
}
