using NasiOnnx.Engine;

namespace NasiOnnx.Models.Darts;

/// <summary>
/// Derives a genotype from architecture weights by DARTS's rule (<c>Network.genotype()._parse</c> in
/// <c>cnn/model_search.py</c>): for each node keep the two incoming edges whose strongest non-<c>none</c> weight is
/// largest, and on each the non-<c>none</c> op of largest weight. Pairs are listed strongest edge first, ties go to the
/// lower index (Python's stable sort and first maximum), and the concat is the four nodes. Pass the weights the search
/// ranks by: DARTS passes softmax(α) per edge; α itself picks the same op on each edge but may rank edges differently.
/// </summary>
public static class DartsDerivation
{
    /// <summary>The cell of one type's weights, row-major [14, 8] (<see cref="DartsSupernet.EdgeIndex"/>, <see cref="DartsOp"/> order).</summary>
    public static DartsCell DeriveCell(ReadOnlySpan<float> weights)
    {
        var count = DartsSupernet.EdgeCount * DartsSupernet.OpCount;
        if (weights.Length != count)
            throw new NasiException($"DARTS architecture weights: {weights.Length} values, expected {count} ([{DartsSupernet.EdgeCount}, {DartsSupernet.OpCount}]).");
        for (var i = 0; i < weights.Length; i++)
            if (!float.IsFinite(weights[i]))
                throw new NasiException($"DARTS architecture weights: [{i / DartsSupernet.OpCount}, {i % DartsSupernet.OpCount}] " +
                                        $"({DartsOpNames.All[i % DartsSupernet.OpCount]}) is {weights[i]}, not a finite number.");

        var edges = new List<DartsEdge>(DartsCell.EdgeCount);
        for (var node = 2; node < DartsCell.StateCount; node++)
        {
            var best = new (DartsOp Op, float Weight)[node];
            for (var input = 0; input < node; input++) best[input] = Best(weights, DartsSupernet.EdgeIndex(node, input));
            // OrderByDescending is stable: equal strengths keep the lower input first, as Python's sorted does.
            foreach (var input in Enumerable.Range(0, node).OrderByDescending(i => best[i].Weight).Take(DartsCell.InputsPerNode))
                edges.Add(new DartsEdge(best[input].Op, input));
        }
        return new DartsCell(edges);
    }

    /// <summary>The genotype of both cell types' weights, each row-major [14, 8].</summary>
    public static DartsGenotype Derive(ReadOnlySpan<float> normal, ReadOnlySpan<float> reduce) =>
        new(DeriveCell(normal), DeriveCell(reduce));

    /// <summary>The non-<c>none</c> op of largest weight on an edge (the first of equal ones) and that weight.</summary>
    private static (DartsOp Op, float Weight) Best(ReadOnlySpan<float> weights, int edge)
    {
        var row = weights.Slice(edge * DartsSupernet.OpCount, DartsSupernet.OpCount);
        var best = DartsOp.None;
        for (var k = 0; k < row.Length; k++)
        {
            if (k == (int)DartsOp.None) continue;
            if (best == DartsOp.None || row[k] > row[(int)best]) best = (DartsOp)k;
        }
        return (best, row[(int)best]);
    }
}
