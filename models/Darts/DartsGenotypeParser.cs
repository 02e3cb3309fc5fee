using System.Globalization;

namespace NasiOnnx.Models.Darts;

/// <summary>
/// Reads the notation DARTS's code prints and its <c>genotypes.py</c> files hold:
/// <c>Genotype(normal=[('sep_conv_3x3', 0), …], normal_concat=[2, 3, 4, 5], reduce=[…], reduce_concat=range(2, 6))</c>.
/// Whitespace (newlines included) is free, strings take either quote, a trailing comma is allowed where Python allows
/// it, fields may come in any order, and a concat is a list or <c>range(a, b)</c>. Every problem is reported with its
/// position; the cell checks are <see cref="DartsCell"/>'s own, so the parser accepts exactly the valid cells.
/// </summary>
internal static class DartsGenotypeParser
{
    private enum Kind { Name, Int, String, Punct, End }

    private readonly record struct Token(Kind Kind, string Text, int Position, int Value = 0);

    private static readonly string[] Fields = ["normal", "normal_concat", "reduce", "reduce_concat"];

    /// <summary>The genotype, or null with <paramref name="error"/> saying what is wrong and where.</summary>
    public static DartsGenotype? Parse(string text, out DartsGenotypeFormatException? error)
    {
        try
        {
            error = null;
            return new Reader(text).Genotype();
        }
        catch (DartsGenotypeFormatException e)
        {
            error = e;
            return null;
        }
    }

    /// <summary>A recursive-descent reader over the token list; it throws at the first problem.</summary>
    private sealed class Reader(string text)
    {
        private readonly List<Token> _tokens = Tokenize(text);
        private int _next;

        private Token Peek => _tokens[_next];

        public DartsGenotype Genotype()
        {
            if (text.Trim().Length == 0) throw Fail(0, "the string is empty");
            var head = Take();
            if (head.Kind != Kind.Name || head.Text != "Genotype")
                throw Fail(head.Position, $"expected 'Genotype(', found {Describe(head)}");
            Expect('(');
            var cells = new Dictionary<string, (List<DartsEdge> Edges, List<int> Starts, int Close)>(StringComparer.Ordinal);
            var concats = new Dictionary<string, (List<int> States, List<int> Starts)>(StringComparer.Ordinal);
            var seen = new Dictionary<string, int>(StringComparer.Ordinal);
            while (!IsPunct(Peek, ')'))
            {
                var name = Take();
                if (name.Kind != Kind.Name) throw Fail(name.Position, $"expected a field name ({string.Join(", ", Fields)}), found {Describe(name)}");
                if (!Fields.Contains(name.Text))
                    throw Fail(name.Position, $"unknown field '{name.Text}' (expected {string.Join(", ", Fields)})");
                if (seen.ContainsKey(name.Text)) throw Fail(name.Position, $"field '{name.Text}' is given twice");
                seen[name.Text] = name.Position;
                Expect('=');
                if (name.Text.EndsWith("_concat", StringComparison.Ordinal)) concats[name.Text] = ConcatList();
                else cells[name.Text] = PairList();
                if (!IsPunct(Peek, ')')) Expect(',');
            }
            var close = Expect(')');
            var end = Take();
            if (end.Kind != Kind.End) throw Fail(end.Position, $"unexpected {Describe(end)} after the closing ')'");
            foreach (var field in Fields)
                if (!seen.ContainsKey(field)) throw Fail(close.Position, $"field '{field}' is missing");
            return new DartsGenotype(
                Cell("normal", cells["normal"], concats["normal_concat"]),
                Cell("reduce", cells["reduce"], concats["reduce_concat"]));
        }

        /// <summary>Builds one cell, mapping <see cref="DartsCell"/>'s problems back to positions in the text.</summary>
        private DartsCell Cell(string field, (List<DartsEdge> Edges, List<int> Starts, int Close) pairs, (List<int> States, List<int> Starts) concat)
        {
            if (DartsCell.FindProblem(pairs.Edges) is { } p)
                throw Fail(p.Index < pairs.Starts.Count ? pairs.Starts[p.Index] : pairs.Close, $"{field}: {p.Problem}");
            if (DartsCell.FindConcatProblem(concat.States) is { } c)
                throw Fail(concat.Starts[Math.Min(c.Index, concat.Starts.Count - 1)], $"{field}_concat: {c.Problem}");
            return new DartsCell(pairs.Edges, concat.States);
        }

        /// <summary><c>[(op, input), …]</c>, with the start of each pair and the closing bracket's position.</summary>
        private (List<DartsEdge>, List<int>, int) PairList()
        {
            var edges = new List<DartsEdge>();
            var starts = new List<int>();
            Expect('[');
            while (!IsPunct(Peek, ']'))
            {
                starts.Add(Expect('(').Position);
                var name = Take();
                if (name.Kind != Kind.String) throw Fail(name.Position, $"expected a quoted op name, found {Describe(name)}");
                if (!DartsOpNames.TryParse(name.Text, out var op))
                    throw Fail(name.Position, $"unknown op '{name.Text}' (expected one of {string.Join(", ", DartsOpNames.All)})");
                Expect(',');
                var input = ExpectInt("an input index");
                Expect(')');
                edges.Add(new DartsEdge(op, input.Value));
                if (!IsPunct(Peek, ']')) Expect(',');
            }
            var close = Expect(']');
            return (edges, starts, close.Position);
        }

        /// <summary><c>[2, 3, 4, 5]</c> or <c>range(a, b)</c>, with each state's position.</summary>
        private (List<int>, List<int>) ConcatList()
        {
            var states = new List<int>();
            var starts = new List<int>();
            var first = Peek;
            if (first.Kind == Kind.Name && first.Text == "range")
            {
                Take();
                Expect('(');
                var from = ExpectInt("the start of the range");
                Expect(',');
                var to = ExpectInt("the end of the range");
                if (IsPunct(Peek, ',')) Take();
                Expect(')');
                if (to.Value <= from.Value) throw Fail(first.Position, $"range({from.Value}, {to.Value}) is empty");
                for (var s = from.Value; s < to.Value && states.Count <= DartsCell.StateCount; s++)
                {
                    states.Add(s);
                    starts.Add(s == from.Value ? from.Position : to.Position);
                }
                return (states, starts);
            }
            var open = Expect('[');
            while (!IsPunct(Peek, ']'))
            {
                var state = ExpectInt("a state index");
                states.Add(state.Value);
                starts.Add(state.Position);
                if (!IsPunct(Peek, ']')) Expect(',');
            }
            Expect(']');
            if (states.Count == 0) starts.Add(open.Position);
            return (states, starts);
        }

        private Token Take() => _tokens[_next < _tokens.Count - 1 ? _next++ : _next];

        private Token Expect(char punct)
        {
            var t = Take();
            if (!IsPunct(t, punct)) throw Fail(t.Position, $"expected '{punct}', found {Describe(t)}");
            return t;
        }

        private Token ExpectInt(string what)
        {
            var t = Take();
            if (t.Kind != Kind.Int) throw Fail(t.Position, $"expected {what} (an integer), found {Describe(t)}");
            return t;
        }

        private static bool IsPunct(Token t, char c) => t.Kind == Kind.Punct && t.Text[0] == c;

        private static string Describe(Token t) => t.Kind switch
        {
            Kind.End => "the end of the string",
            Kind.String => $"'{t.Text}' (a string)",
            _ => $"'{t.Text}'",
        };

        private DartsGenotypeFormatException Fail(int position, string problem) => new(text, position, problem);

        private static List<Token> Tokenize(string text)
        {
            var tokens = new List<Token>();
            var i = 0;
            while (true)
            {
                while (i < text.Length && char.IsWhiteSpace(text[i])) i++;
                if (i == text.Length)
                {
                    tokens.Add(new Token(Kind.End, "", i));
                    return tokens;
                }
                var start = i;
                var c = text[i];
                if (c is '(' or ')' or '[' or ']' or ',' or '=')
                {
                    tokens.Add(new Token(Kind.Punct, c.ToString(), i++));
                }
                else if (c is '\'' or '"')
                {
                    var close = text.IndexOf(c, i + 1);
                    if (close < 0) throw new DartsGenotypeFormatException(text, start, $"string opened by {c} is not closed");
                    tokens.Add(new Token(Kind.String, text[(i + 1)..close], start));
                    i = close + 1;
                }
                else if (char.IsAsciiDigit(c) || (c == '-' && i + 1 < text.Length && char.IsAsciiDigit(text[i + 1])))
                {
                    i++;
                    while (i < text.Length && char.IsAsciiDigit(text[i])) i++;
                    if (!int.TryParse(text.AsSpan(start, i - start), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
                        throw new DartsGenotypeFormatException(text, start, $"number '{text[start..i]}' is too large");
                    tokens.Add(new Token(Kind.Int, text[start..i], start, value));
                }
                else if (char.IsAsciiLetter(c) || c == '_')
                {
                    while (i < text.Length && (char.IsAsciiLetterOrDigit(text[i]) || text[i] == '_')) i++;
                    tokens.Add(new Token(Kind.Name, text[start..i], start));
                }
                else
                {
                    throw new DartsGenotypeFormatException(text, start, $"unexpected character '{c}'");
                }
            }
        }
    }
}
