namespace NasiOnnx.Models.Nb201;

/// <summary>
/// Which NAS-Bench-201 cells compute the same function (up to their random weights), by a canonical form of the
/// cell DAG. A node's value is a sum of terms op(input), so the form is the sorted multiset of terms, built node by
/// node: <c>none</c> edges contribute nothing; an op on a node that is identically zero (no live input) contributes
/// nothing; <c>skip_connect</c> contributes its input's terms themselves (x + (y + z) = x + y + z); any other op
/// contributes one term <c>(terms of its input)@op</c>. The cell's form is its output node's, so nodes with no
/// path to the output never appear. The syntax is NATS-Bench's <c>unique_str</c> (<c>0</c> the cell input,
/// <c>#</c> the zero cell), and the form equals that string with its zero terms dropped and its sums flattened
/// and sorted (a test checks all 15,625 cells): NATS-Bench keeps a <c>#</c> term per zero input and sorts a
/// skip's sum as one term, which splits equal functions into 6,466 classes where this form finds 4,930.
/// <para>
/// A multiset, not a set: a term reached along two paths (two skips from one node, say) is counted twice, since
/// x + x is not x. What the form cannot see: a conv on a zero node still has its BatchNorm bias β as a parameter
/// (the builder emits it, as NAS-Bench-201's PyTorch code does), whose gradient Σ dy adds to the NASI score of
/// such a cell. Parameters on nodes with no path to the output have zero gradient and change no score.
/// </para>
/// </summary>
public static class Nb201Isomorphism
{
    /// <summary>The canonical form of the cell output (<c>#</c> when the output is identically zero).</summary>
    public static string CanonicalForm(Nb201Cell cell)
    {
        ArgumentNullException.ThrowIfNull(cell);
        var terms = new List<string>[Nb201Cell.NodeCount];
        terms[0] = ["0"];
        for (var to = 1; to < Nb201Cell.NodeCount; to++)
        {
            var node = new List<string>();
            for (var from = 0; from < to; from++)
            {
                var input = terms[from];
                var op = cell[to, from];
                if (op == Nb201Op.None || input.Count == 0) continue; // zero in, zero out
                if (op == Nb201Op.SkipConnect) node.AddRange(input);
                else node.Add("(" + string.Join('+', input) + ")@" + op.Name());
            }
            node.Sort(StringComparer.Ordinal);
            terms[to] = node;
        }
        var output = terms[^1];
        return output.Count == 0 ? "#" : string.Join('+', output);
    }

    /// <summary>
    /// Every isomorphism class of the space, in the order of their representatives. The representative of a class
    /// is its member with the ordinally smallest cell string: a choice by the cells alone, the same whichever
    /// subset of the space is ranked.
    /// </summary>
    public static IReadOnlyList<Nb201CellClass> Classes => AllClasses.Value.List;

    /// <summary>The class of <paramref name="cell"/>.</summary>
    public static Nb201CellClass ClassOf(Nb201Cell cell) => AllClasses.Value.ByForm[CanonicalForm(cell)];

    /// <summary>
    /// The classes of <paramref name="cells"/>: each once, with the given cells among its members as
    /// <see cref="Nb201CellClass.Members"/> (in the given order), and its representative from the whole space.
    /// </summary>
    public static IReadOnlyList<Nb201CellClass> ClassesOf(IEnumerable<Nb201Cell> cells)
    {
        ArgumentNullException.ThrowIfNull(cells);
        var byForm = new Dictionary<string, List<Nb201Cell>>(StringComparer.Ordinal);
        var order = new List<string>();
        foreach (var cell in cells.Distinct())
        {
            var form = CanonicalForm(cell);
            if (!byForm.TryGetValue(form, out var members))
            {
                byForm[form] = members = [];
                order.Add(form);
            }
            members.Add(cell);
        }
        var all = AllClasses.Value.ByForm;
        return order.Select(f => all[f] with { Members = byForm[f] })
            .OrderBy(c => c.Representative.ToString(), StringComparer.Ordinal).ToList();
    }

    private static readonly Lazy<(IReadOnlyList<Nb201CellClass> List, Dictionary<string, Nb201CellClass> ByForm)> AllClasses = new(() =>
    {
        var list = Nb201Cell.All()
            .GroupBy(CanonicalForm, StringComparer.Ordinal)
            .Select(g =>
            {
                var members = g.OrderBy(c => c.ToString(), StringComparer.Ordinal).ToList();
                return new Nb201CellClass(g.Key, members[0], members);
            })
            .OrderBy(c => c.Representative.ToString(), StringComparer.Ordinal)
            .ToList();
        return (list, list.ToDictionary(c => c.CanonicalForm, StringComparer.Ordinal));
    });
}
