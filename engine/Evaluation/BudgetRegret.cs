namespace NasiOnnx.Engine.Evaluation;

/// <summary>
/// Regret under a cost budget B: among the cells whose cost is ≤ B, the best accuracy minus the accuracy of the cell a
/// rule picks, per dataset, in accuracy points. Rules: a ranking's first pick, the most costly cell that fits (the
/// "take the biggest" answer), and a random feasible cell (its expectation: the mean over the feasible cells). Ties
/// (isomorphic cells share every score and cost, not their trained accuracies) count as the mean of the tied cells,
/// so a pick is a value, not an accident of row order.
/// </summary>
public static class BudgetRegret
{
    /// <summary>The budgets: the <paramref name="quantiles"/> of the cells' costs (linear between order statistics, numpy's default).</summary>
    public static double[] Budgets(IEnumerable<double> costs, IReadOnlyList<double> quantiles)
    {
        var sorted = costs.Order().ToArray();
        if (sorted.Length == 0) throw new NasiException("no cells to take budget quantiles over");
        foreach (var q in quantiles)
            if (!(q >= 0 && q <= 1)) throw new NasiException($"budget quantile {q} is not in [0, 1]");
        return quantiles.Select(q => Quantile(sorted, q)).ToArray();
    }

    /// <summary>The q-quantile of ascending values, linear between order statistics.</summary>
    public static double Quantile(IReadOnlyList<double> sorted, double q)
    {
        var position = q * (sorted.Count - 1);
        var lo = (int)Math.Floor(position);
        var hi = Math.Min(lo + 1, sorted.Count - 1);
        return sorted[lo] + (sorted[hi] - sorted[lo]) * (position - lo);
    }

    /// <summary>The cells that fit B (cost ≤ B); an empty set is an error naming the cheapest cost.</summary>
    public static IReadOnlyList<BudgetedCell> Feasible(IReadOnlyList<BudgetedCell> cells, double budget)
    {
        var fit = cells.Where(c => c.Cost <= budget).ToList();
        if (fit.Count == 0)
            throw new NasiException($"budget {budget:G}: no cell fits; the cheapest costs {(cells.Count == 0 ? double.NaN : cells.Min(c => c.Cost)):G}");
        return fit;
    }

    /// <summary>Per dataset, the best accuracy among <paramref name="feasible"/>.</summary>
    public static double[] Best(IReadOnlyList<BudgetedCell> feasible) =>
        Columns(feasible).Select(d => feasible.Max(c => c.Accuracy[d])).ToArray();

    /// <summary>The mean accuracy of the cells of highest score (NaN scores never picked unless all are NaN).</summary>
    public static double[] FirstPick(IReadOnlyList<BudgetedCell> feasible)
    {
        var scored = feasible.Where(c => !double.IsNaN(c.Score)).ToList();
        if (scored.Count == 0) return Mean(feasible);
        var top = scored.Max(c => c.Score);
        return Mean(scored.Where(c => c.Score == top).ToList());
    }

    /// <summary>The mean accuracy of the most costly cells that fit.</summary>
    public static double[] MostCostly(IReadOnlyList<BudgetedCell> feasible)
    {
        var top = feasible.Max(c => c.Cost);
        return Mean(feasible.Where(c => c.Cost == top).ToList());
    }

    /// <summary>A random feasible cell's expected accuracy: the mean over the feasible cells.</summary>
    public static double[] Random(IReadOnlyList<BudgetedCell> feasible) => Mean(feasible);

    /// <summary>Best − picked, per dataset.</summary>
    public static double[] Regret(double[] best, double[] picked) => best.Select((b, d) => b - picked[d]).ToArray();

    private static double[] Mean(IReadOnlyList<BudgetedCell> cells) =>
        Columns(cells).Select(d => cells.Average(c => c.Accuracy[d])).ToArray();

    private static IEnumerable<int> Columns(IReadOnlyList<BudgetedCell> cells) => Enumerable.Range(0, cells[0].Accuracy.Count);
}
