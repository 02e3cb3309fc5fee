using System.Collections.Concurrent;

namespace NasiOnnx.Engine.Costs;

/// <summary>
/// Whether a candidate fits a <see cref="CostBudget"/>: its counted costs first (free), then, only where a latency
/// constraint remains and the counts fit, its latency, measured once per candidate and cached. Searches ask this and
/// nothing else, so every candidate they return has been checked against every constraint.
/// </summary>
public sealed class Feasibility
{
    private readonly Func<string, ArchitectureCost> _counted;
    private readonly Func<string, double>? _latency;
    private readonly ConcurrentDictionary<string, double> _latencies = new(StringComparer.Ordinal);

    /// <param name="budget">The constraints.</param>
    /// <param name="counted">Parameters and multiply-accumulates of an architecture (its space's <c>Cost</c>).</param>
    /// <param name="latency">Measures an architecture's latency in ms; required when the budget limits latency.</param>
    public Feasibility(CostBudget budget, Func<string, ArchitectureCost> counted, Func<string, double>? latency = null)
    {
        ArgumentNullException.ThrowIfNull(budget);
        ArgumentNullException.ThrowIfNull(counted);
        if (budget.NeedsLatency && latency is null) throw new ArgumentException("a latency constraint needs a latency measurement", nameof(latency));
        Budget = budget;
        _counted = counted;
        _latency = latency;
    }

    public CostBudget Budget { get; }

    /// <summary>How many candidates had their latency measured.</summary>
    public int Measured => _latencies.Count;

    /// <summary>True when <paramref name="architecture"/> meets every constraint.</summary>
    public bool Fits(string architecture)
    {
        if (Budget.IsEmpty) return true;
        var counted = _counted(architecture);
        if (!Budget.IsMetByCounts(counted)) return false;
        return !Budget.NeedsLatency || Budget.IsMetBy(counted with { LatencyMs = Latency(architecture) });
    }

    /// <summary>The counted costs, with the latency where the budget limits it (measured now if it was not yet).</summary>
    public ArchitectureCost CostOf(string architecture)
    {
        var counted = _counted(architecture);
        return Budget.NeedsLatency ? counted with { LatencyMs = Latency(architecture) } : counted;
    }

    private double Latency(string architecture) => _latencies.GetOrAdd(architecture, a => _latency!(a));
}
