using NasiOnnx.Engine;

namespace NasiOnnx.Models.Nb201;

/// <summary>A NAS-Bench-201 cell string that does not follow the published notation.</summary>
public sealed class Nb201CellFormatException(string text, int position, string problem)
    : NasiException($"Invalid NAS-Bench-201 cell \"{text}\": {problem} (at position {position}).")
{
    /// <summary>The whole string that failed to parse.</summary>
    public string Text { get; } = text;

    /// <summary>Zero-based index into <see cref="Text"/> where the problem is.</summary>
    public int Position { get; } = position;

    /// <summary>What is wrong, without the string and position.</summary>
    public string Problem { get; } = problem;
}
