using NasiOnnx.Engine;
using NasiOnnx.Engine.Evaluation;

namespace NasiOnnx.Models.Nb201;

/// <summary>
/// NAS-Bench-201's trained accuracies, read from a table such as <c>shared/nb201/nb201_all.csv</c> (columns
/// <c>arch_str</c>, <c>cifar10_test</c>, <c>cifar100_test</c>, <c>imagenet16_120_test</c>), for looking up the cell a
/// search chose, as the NAS-Bench-201 API does. Only ever opened after a search has ended: nothing inside a search or a
/// score reads it.
/// </summary>
public sealed class Nb201Truth
{
    /// <summary>The accuracy columns, in the order <see cref="Nb201Accuracy"/> holds them.</summary>
    public static IReadOnlyList<string> Datasets { get; } = ["cifar10_test", "cifar100_test", "imagenet16_120_test"];

    private readonly Dictionary<Nb201Cell, double[]> _accuracy;
    private readonly double[][] _sorted; // per dataset, every cell's accuracy, descending

    private Nb201Truth(string source, Dictionary<Nb201Cell, double[]> accuracy)
    {
        Source = source;
        _accuracy = accuracy;
        _sorted = Enumerable.Range(0, Datasets.Count).Select(d => accuracy.Values.Select(v => v[d]).OrderDescending().ToArray()).ToArray();
    }

    public string Source { get; }

    /// <summary>Cells in the table (15,625 for the whole space).</summary>
    public int Count => _accuracy.Count;

    /// <summary>Reads the table; a malformed row is an error naming its line and what is wrong.</summary>
    public static Nb201Truth Load(string path)
    {
        var table = CsvTable.Read(path);
        var arch = table.Require("arch_str");
        var columns = Datasets.Select(d => table.Require(d)).ToArray();
        var accuracy = new Dictionary<Nb201Cell, double[]>();
        for (var r = 0; r < table.Rows.Count; r++)
        {
            var row = table.Rows[r];
            var line = r + 2; // 1-based, after the header
            if (!Nb201Cell.TryParse(row[arch], out var cell, out var error))
                throw new NasiException($"{path}, line {line}: {error}");
            var values = new double[columns.Length];
            for (var d = 0; d < columns.Length; d++)
            {
                values[d] = CsvTable.Number(row[columns[d]]);
                if (!double.IsFinite(values[d]))
                    throw new NasiException($"{path}, line {line}: {Datasets[d]} '{row[columns[d]]}' is not a number");
            }
            if (!accuracy.TryAdd(cell!, values)) throw new NasiException($"{path}, line {line}: cell {cell} is listed twice");
        }
        if (accuracy.Count == 0) throw new NasiException($"{path}: no cells in the table");
        return new Nb201Truth(path, accuracy);
    }

    /// <summary>True when the table lists <paramref name="cell"/>.</summary>
    public bool Contains(Nb201Cell cell) => _accuracy.ContainsKey(cell);

    /// <summary>The cell's accuracies and ranks; a malformed string or a cell the table lacks is an error naming it.</summary>
    public Nb201Accuracy Lookup(string cellText)
    {
        var cell = Nb201Cell.Parse(cellText);
        if (!_accuracy.TryGetValue(cell, out var values))
            throw new NasiException($"cell {cell} is not in {Source} ({Count:N0} cells)");
        var ranks = values.Select((v, d) => Rank(_sorted[d], v)).ToArray();
        return new Nb201Accuracy(cell.ToString(), values[0], values[1], values[2], ranks[0], ranks[1], ranks[2], Count);
    }

    /// <summary>1 + the number of cells strictly more accurate (ties share the better rank).</summary>
    private static int Rank(double[] descending, double value)
    {
        int lo = 0, hi = descending.Length;
        while (lo < hi)
        {
            var mid = (lo + hi) / 2;
            if (descending[mid] > value) lo = mid + 1; else hi = mid;
        }
        return lo + 1;
    }
}
