namespace NasiOnnx.Engine.Costs;

/// <summary>
/// What one candidate costs: parameters and multiply-accumulates (counted, exact) and, where it was measured, its
/// latency in milliseconds.
/// </summary>
public sealed record ArchitectureCost(long Params, long Flops, double? LatencyMs = null)
{
    /// <summary>The cost of kind <paramref name="cost"/>; a latency that was not measured is an error, never a zero.</summary>
    public double Value(CostKind cost) => cost switch
    {
        CostKind.Params => Params,
        CostKind.Flops => Flops,
        CostKind.LatencyMs => LatencyMs ?? throw new InvalidOperationException("latency_ms was not measured for this candidate"),
        _ => throw new ArgumentOutOfRangeException(nameof(cost), cost, "Not a cost."),
    };
}
