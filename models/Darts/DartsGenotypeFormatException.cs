using NasiOnnx.Engine;

namespace NasiOnnx.Models.Darts;

/// <summary>A DARTS genotype string that does not follow the <c>Genotype(normal=[…], …)</c> notation or names no valid cells.</summary>
public sealed class DartsGenotypeFormatException(string text, int position, string problem)
    : NasiException($"Invalid DARTS genotype: {problem} (at position {position}: \"{Excerpt(text, position)}\").")
{
    /// <summary>The whole string that failed to parse.</summary>
    public string Text { get; } = text;

    /// <summary>Zero-based index into <see cref="Text"/> where the problem is.</summary>
    public int Position { get; } = position;

    /// <summary>What is wrong, without the string and position.</summary>
    public string Problem { get; } = problem;

    /// <summary>
    /// The text around <paramref name="position"/> on one line (genotypes are often written over several): the
    /// message stays one line and shows the offending spot even in a long genotype.
    /// </summary>
    private static string Excerpt(string text, int position)
    {
        const int before = 20, after = 30;
        var start = Math.Max(0, position - before);
        var end = Math.Min(text.Length, position + after);
        var excerpt = System.Text.RegularExpressions.Regex.Replace(text[start..end], @"\s+", " ");
        return (start > 0 ? "…" : "") + excerpt + (end < text.Length ? "…" : "");
    }
}
