using System.Text;
using NasiOnnx.Engine;

namespace NasiOnnx.Models.Nb201;

/// <summary>
/// A NAS-Bench-201 cell: nodes 0..3, node 0 the cell input, node j = Σ_{i&lt;j} op(j, i)(node i), output node 3.
/// Immutable; two cells are equal when their six ops are. Its identity is the published string
/// <c>|op~0|+|op~0|op~1|+|op~0|op~1|op~2|</c> (<see cref="Parse"/>, <see cref="ToString"/>).
/// </summary>
public sealed class Nb201Cell : IEquatable<Nb201Cell>
{
    /// <summary>Nodes including the input node 0; node 3 is the output.</summary>
    public const int NodeCount = 4;

    /// <summary>Edges per cell: one from every earlier node into each of nodes 1..3.</summary>
    public const int EdgeCount = 6;

    /// <summary>Cells in the space: 5 ops on 6 edges.</summary>
    public const int SpaceSize = 15_625;

    /// <summary>The CLI's default cell: <see cref="Nb201Presets.SampleBestCifar10"/>.</summary>
    public static Nb201Cell Default => Nb201Presets.SampleBestCifar10;

    // Edge (to, from) lives at to·(to−1)/2 + from: the order the published string lists them.
    private readonly Nb201Op[] _ops;

    /// <summary>
    /// A cell from its six ops in the published order: (1←0), (2←0), (2←1), (3←0), (3←1), (3←2).
    /// </summary>
    public Nb201Cell(IReadOnlyList<Nb201Op> ops)
    {
        ArgumentNullException.ThrowIfNull(ops);
        if (ops.Count != EdgeCount)
            throw new ArgumentException($"A NAS-Bench-201 cell has {EdgeCount} edges, got {ops.Count} ops.", nameof(ops));
        foreach (var op in ops)
            if (!Enum.IsDefined(op)) throw new ArgumentOutOfRangeException(nameof(ops), op, "Not a NAS-Bench-201 op.");
        _ops = ops.ToArray();
    }

    /// <summary>The cell with <paramref name="op"/> on all six edges.</summary>
    public static Nb201Cell Uniform(Nb201Op op) => new(Enumerable.Repeat(op, EdgeCount).ToArray());

    /// <summary>The op on the edge from node <paramref name="from"/> into node <paramref name="to"/> (0 ≤ from &lt; to ≤ 3).</summary>
    public Nb201Op this[int to, int from] => _ops[EdgeIndex(to, from)];

    /// <summary>The six edges in the published order.</summary>
    public IReadOnlyList<Nb201Edge> Edges
    {
        get
        {
            var edges = new Nb201Edge[EdgeCount];
            for (int to = 1, k = 0; to < NodeCount; to++)
                for (var from = 0; from < to; from++, k++) edges[k] = new Nb201Edge(to, from, _ops[k]);
            return edges;
        }
    }

    /// <summary>This cell with one edge's op replaced.</summary>
    public Nb201Cell With(int to, int from, Nb201Op op)
    {
        var ops = (Nb201Op[])_ops.Clone();
        ops[EdgeIndex(to, from)] = op;
        return new Nb201Cell(ops);
    }

    /// <summary>
    /// True when some path from the input (node 0) to the output (node 3) avoids every <c>none</c> edge; otherwise the
    /// cell's output is zero whatever its input, and the trained network is at chance.
    /// </summary>
    public bool IsConnected
    {
        get
        {
            Span<bool> reached = stackalloc bool[NodeCount];
            reached[0] = true;
            for (var to = 1; to < NodeCount; to++)
                for (var from = 0; from < to && !reached[to]; from++)
                    reached[to] = reached[from] && this[to, from] != Nb201Op.None;
            return reached[NodeCount - 1];
        }
    }

    /// <summary>
    /// All 15,625 cells, in odometer order over the edges in published order, the first edge (1←0) slowest and
    /// the last (3←2) fastest, each running through the ops in <see cref="Nb201Op"/> order: the first cell is all
    /// <c>none</c>, the second changes only edge (3←2) to <c>skip_connect</c>, the last is all <c>avg_pool_3x3</c>.
    /// This is our order, not NAS-Bench-201's index order.
    /// </summary>
    public static IEnumerable<Nb201Cell> All()
    {
        var opCount = Enum.GetValues<Nb201Op>().Length;
        for (var code = 0; code < SpaceSize; code++)
        {
            var ops = new Nb201Op[EdgeCount];
            for (int e = EdgeCount - 1, rest = code; e >= 0; e--, rest /= opCount) ops[e] = (Nb201Op)(rest % opCount);
            yield return new Nb201Cell(ops);
        }
    }

    /// <summary>
    /// The cell of the strongest op per edge: <paramref name="weights"/> row-major [6, 5], rows in the published edge
    /// order, columns in <see cref="Nb201Op"/> order (the supernet's <c>arch</c> layout). Ties go to the earlier op.
    /// <paramref name="excludeNone"/> takes the strongest op other than <c>none</c>, as DARTS derives its cells.
    /// </summary>
    public static Nb201Cell FromWeights(ReadOnlySpan<float> weights, bool excludeNone = false)
    {
        var opCount = Nb201OpNames.All.Count;
        if (weights.Length != EdgeCount * opCount)
            throw new NasiException($"NAS-Bench-201 architecture weights: {weights.Length} values, expected {EdgeCount * opCount} ([{EdgeCount}, {opCount}]).");
        var ops = new Nb201Op[EdgeCount];
        for (var e = 0; e < EdgeCount; e++)
        {
            var row = weights.Slice(e * opCount, opCount);
            var first = excludeNone ? (int)Nb201Op.None + 1 : 0;
            var best = first;
            for (var k = 0; k < opCount; k++)
            {
                if (!float.IsFinite(row[k]))
                    throw new NasiException($"NAS-Bench-201 architecture weights: [{e}, {k}] ({Nb201OpNames.All[k]}) is {row[k]}, not a finite number.");
                if (k >= first && row[k] > row[best]) best = k;
            }
            ops[e] = (Nb201Op)best;
        }
        return new Nb201Cell(ops);
    }

    /// <summary>Parses the published notation; throws <see cref="Nb201CellFormatException"/> naming the problem and its position.</summary>
    public static Nb201Cell Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return Nb201CellParser.Parse(text, out var error) ?? throw error!;
    }

    /// <summary>Parses the published notation; on failure <paramref name="error"/> says what is wrong and where.</summary>
    public static bool TryParse(string? text, out Nb201Cell? cell, out string error)
    {
        if (text is null)
        {
            cell = null;
            error = "Invalid NAS-Bench-201 cell: no string given.";
            return false;
        }
        cell = Nb201CellParser.Parse(text, out var failure);
        error = failure?.Message ?? "";
        return cell is not null;
    }

    /// <summary>The published notation, e.g. <c>|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|…|</c>.</summary>
    public override string ToString()
    {
        var sb = new StringBuilder(96);
        foreach (var edge in Edges)
        {
            if (edge.From == 0 && edge.To > 1) sb.Append('+');
            if (edge.From == 0) sb.Append('|');
            sb.Append(edge).Append('|');
        }
        return sb.ToString();
    }

    public bool Equals(Nb201Cell? other) => other is not null && _ops.AsSpan().SequenceEqual(other._ops);

    public override bool Equals(object? obj) => Equals(obj as Nb201Cell);

    public override int GetHashCode()
    {
        var hash = 0;
        foreach (var op in _ops) hash = hash * 5 + (int)op;
        return hash;
    }

    public static bool operator ==(Nb201Cell? a, Nb201Cell? b) => a?.Equals(b) ?? b is null;

    public static bool operator !=(Nb201Cell? a, Nb201Cell? b) => !(a == b);

    private static int EdgeIndex(int to, int from)
    {
        if (to is < 1 or >= NodeCount || from < 0 || from >= to)
            throw new ArgumentOutOfRangeException(nameof(from), $"No edge from node {from} into node {to}: need 0 ≤ from < to ≤ {NodeCount - 1}.");
        return to * (to - 1) / 2 + from;
    }
}
