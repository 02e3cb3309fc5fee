namespace NasiOnnx.Models.Darts;

/// <summary>
/// One cell type of a DARTS genotype: states 0 (s0) and 1 (s1) are the preprocessed cell inputs, states 2..5 the four
/// intermediate nodes, each the sum of two ops on earlier states; the output concatenates the <see cref="Concat"/> states.
/// Immutable; equal when edges and concat list are.
/// </summary>
public sealed class DartsCell : IEquatable<DartsCell>
{
    /// <summary>Intermediate nodes per cell.</summary>
    public const int NodeCount = 4;

    /// <summary>(op, input) pairs per node.</summary>
    public const int InputsPerNode = 2;

    /// <summary>(op, input) pairs per cell.</summary>
    public const int EdgeCount = NodeCount * InputsPerNode;

    /// <summary>States of a cell: s0, s1 and the intermediate nodes.</summary>
    public const int StateCount = NodeCount + 2;

    /// <summary>The concat list of every published genotype: the four intermediate nodes.</summary>
    public static IReadOnlyList<int> DefaultConcat { get; } = Array.AsReadOnly(new[] { 2, 3, 4, 5 });

    private readonly DartsEdge[] _edges;
    private readonly int[] _concat;

    /// <summary>
    /// A cell from its eight pairs in published order (node 2's two, then node 3's, …) and its concat list.
    /// Throws <see cref="ArgumentException"/> naming the first problem (<see cref="FindProblem"/>).
    /// </summary>
    public DartsCell(IReadOnlyList<DartsEdge> edges, IReadOnlyList<int>? concat = null)
    {
        ArgumentNullException.ThrowIfNull(edges);
        concat ??= DefaultConcat;
        if (FindProblem(edges) is { } edgeProblem) throw new ArgumentException(edgeProblem.Problem, nameof(edges));
        if (FindConcatProblem(concat) is { } concatProblem) throw new ArgumentException(concatProblem.Problem, nameof(concat));
        _edges = edges.ToArray();
        _concat = concat.ToArray();
        Edges = Array.AsReadOnly(_edges);
        Concat = Array.AsReadOnly(_concat);
    }

    /// <summary>The eight pairs in published order (a read-only view: the cell is immutable).</summary>
    public IReadOnlyList<DartsEdge> Edges { get; }

    /// <summary>The states concatenated into the cell's output, in order.</summary>
    public IReadOnlyList<int> Concat { get; }

    /// <summary>The <paramref name="k"/>-th (0 or 1) pair of intermediate node <paramref name="node"/> (state index 2..5).</summary>
    public DartsEdge this[int node, int k]
    {
        get
        {
            if (node is < 2 or >= StateCount || k is < 0 or >= InputsPerNode)
                throw new ArgumentOutOfRangeException(nameof(node), $"No pair {k} of node {node}: need 2 ≤ node ≤ {StateCount - 1}, 0 ≤ k ≤ 1.");
            return _edges[(node - 2) * InputsPerNode + k];
        }
    }

    /// <summary>
    /// The first problem of a list of pairs, with the index of the offending pair (the list's length when the count
    /// is wrong), or null when it makes a cell: eight pairs, no <c>none</c>, each input an earlier state.
    /// </summary>
    public static (int Index, string Problem)? FindProblem(IReadOnlyList<DartsEdge> edges)
    {
        ArgumentNullException.ThrowIfNull(edges);
        for (var i = 0; i < Math.Min(edges.Count, EdgeCount); i++)
        {
            var (op, input) = edges[i];
            var node = 2 + i / InputsPerNode;
            if (!Enum.IsDefined(op)) return (i, $"pair {i} has op {(int)op}, which is not a DARTS op");
            if (op == DartsOp.None)
                return (i, $"op 'none' in pair {i} (node {node}): a genotype lists only the kept edges, so 'none' cannot appear");
            if (input < 0 || input >= node)
                return (i, input >= node
                    ? $"pair {i} (node {node}) takes input {input}, which is node {node} itself or a later one: node {node} can use inputs 0 to {node - 1}"
                    : $"pair {i} (node {node}) takes input {input}: inputs are 0 (s0), 1 (s1) or an earlier node");
        }
        if (edges.Count != EdgeCount)
            return (Math.Min(edges.Count, EdgeCount),
                $"{edges.Count} (op, input) pair{(edges.Count == 1 ? "" : "s")}, expected {EdgeCount} ({InputsPerNode} for each of {NodeCount} nodes)");
        return null;
    }

    /// <summary>The first problem of a concat list with the offending index, or null: non-empty, distinct states 0..5.</summary>
    public static (int Index, string Problem)? FindConcatProblem(IReadOnlyList<int> concat)
    {
        ArgumentNullException.ThrowIfNull(concat);
        if (concat.Count == 0) return (0, "the concat list is empty");
        for (var i = 0; i < concat.Count; i++)
        {
            if (concat[i] < 0 || concat[i] >= StateCount)
                return (i, $"concat state {concat[i]} is out of range 0 to {StateCount - 1}");
            for (var j = 0; j < i; j++)
                if (concat[j] == concat[i]) return (i, $"concat state {concat[i]} appears twice");
        }
        return null;
    }

    /// <summary>The published list, e.g. <c>[('sep_conv_3x3', 0), ('sep_conv_3x3', 1), …]</c>.</summary>
    public string EdgesToString() => "[" + string.Join(", ", _edges) + "]";

    /// <summary>The concat list as DARTS prints a list, e.g. <c>[2, 3, 4, 5]</c>.</summary>
    public string ConcatToString() => "[" + string.Join(", ", _concat) + "]";

    public override string ToString() => $"{EdgesToString()} concat={ConcatToString()}";

    public bool Equals(DartsCell? other) =>
        other is not null && _edges.AsSpan().SequenceEqual(other._edges) && _concat.AsSpan().SequenceEqual(other._concat);

    public override bool Equals(object? obj) => Equals(obj as DartsCell);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (var e in _edges) hash.Add(e);
        foreach (var c in _concat) hash.Add(c);
        return hash.ToHashCode();
    }
}
