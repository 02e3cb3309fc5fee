namespace NasiOnnx.Models.Nb201;

/// <summary>
/// Reads the published notation strictly: <c>|op~0|+|op~0|op~1|+|op~0|op~1|op~2|</c>, nothing around it, no
/// whitespace, each node's edges listed by source node. Strictness keeps the string a cell's identity:
/// whatever parses prints back unchanged.
/// </summary>
internal static class Nb201CellParser
{
    private readonly record struct Entry(Nb201Op Op, int From, int Position);

    /// <summary>The cell, or null with <paramref name="error"/> saying what is wrong and where.</summary>
    public static Nb201Cell? Parse(string text, out Nb201CellFormatException? error)
    {
        error = Scan(text, out var groups, out var groupStarts) ?? Check(text, groups, groupStarts);
        if (error is not null) return null;
        return new Nb201Cell(groups.SelectMany(g => g.Select(e => e.Op)).ToArray());
    }

    /// <summary>Splits the string into groups of edges, checking characters, delimiters, op names and node numbers.</summary>
    private static Nb201CellFormatException? Scan(string text, out List<List<Entry>> groups, out List<int> groupStarts)
    {
        groups = [];
        groupStarts = [];
        if (text.Length == 0) return new(text, 0, "the string is empty");
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsWhiteSpace(c)) return new(text, i, $"whitespace (U+{(int)c:X4}) is not allowed");
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('_' or '~' or '|' or '+'))
                return new(text, i, $"unexpected character '{c}'");
        }

        var pos = 0;
        while (true)
        {
            if (text[pos] != '|')
                return new(text, pos, $"expected '|' to open node {groups.Count + 1}'s group, found '{text[pos]}'");
            groupStarts.Add(pos);
            var group = new List<Entry>();
            groups.Add(group);
            pos++;
            while (true)
            {
                var end = text.IndexOfAny(['|', '+'], pos);
                if (end < 0) return new(text, pos, $"edge '{text[pos..]}' is not closed by '|'");
                if (text[end] == '+') return new(text, end, "'+' inside a group: groups are joined by '|+|'");
                if (end == pos) return new(text, pos, "empty edge between two '|'");
                var failure = ParseEntry(text, pos, end, out var entry);
                if (failure is not null) return failure;
                group.Add(entry);
                pos = end + 1;
                if (pos == text.Length) return null;
                if (text[pos] != '+') continue;
                pos++;
                if (pos == text.Length) return new(text, pos, $"the string ends after '+': node {groups.Count + 1}'s group is missing");
                break;
            }
        }
    }

    /// <summary>Parses <c>op~i</c> in text[start..end].</summary>
    private static Nb201CellFormatException? ParseEntry(string text, int start, int end, out Entry entry)
    {
        entry = default;
        var edge = text[start..end];
        var tilde = edge.IndexOf('~');
        if (tilde < 0) return new(text, start, $"edge '{edge}' lacks '~' between the op and its source node");
        var name = edge[..tilde];
        if (!Nb201OpNames.TryParse(name, out var op))
            return new(text, start, $"unknown op '{name}' (expected one of {string.Join(", ", Nb201OpNames.All)})");
        var source = edge[(tilde + 1)..];
        // One canonical spelling per number (no sign, no leading zero), so the string round-trips.
        var canonical = source.Length is > 0 and < 9 && source.All(char.IsAsciiDigit) && (source.Length == 1 || source[0] != '0');
        if (!canonical) return new(text, start + tilde + 1, $"source node '{source}' in edge '{edge}' is not a node number");
        entry = new Entry(op, int.Parse(source, System.Globalization.CultureInfo.InvariantCulture), start);
        return null;
    }

    /// <summary>Checks the structure: three groups, group k lists the edges from nodes 0..k−1 once each, in order.</summary>
    private static Nb201CellFormatException? Check(string text, List<List<Entry>> groups, List<int> groupStarts)
    {
        const int groupCount = Nb201Cell.NodeCount - 1;
        if (groups.Count > groupCount)
            return new(text, groupStarts[groupCount],
                $"{groups.Count} node groups, expected {groupCount} (nodes 1 to {groupCount}; node 0 is the cell input)");
        if (groups.Count < groupCount)
            return new(text, text.Length,
                $"only {groups.Count} node group{(groups.Count == 1 ? "" : "s")}, expected {groupCount} (nodes 1 to {groupCount})");

        for (var g = 0; g < groupCount; g++)
        {
            var to = g + 1;
            var seen = new bool[Nb201Cell.NodeCount];
            for (var k = 0; k < groups[g].Count; k++)
            {
                var (_, from, position) = groups[g][k];
                if (from == to) return new(text, position, $"edge into node {to} comes from node {to} itself");
                if (from > to) return new(text, position, $"edge into node {to} comes from later node {from}");
                if (seen[from]) return new(text, position, $"edge from node {from} into node {to} appears twice");
                seen[from] = true;
                if (from != k)
                    return new(text, position, $"node {to}'s edges must be listed by source node (0 to {to - 1}); node {from} comes in place {k}");
            }
            if (groups[g].Count != to)
                return new(text, groupStarts[g],
                    $"node {to} lists {groups[g].Count} edge{(groups[g].Count == 1 ? "" : "s")}, expected {to} (one from each earlier node)");
        }
        return null;
    }
}
