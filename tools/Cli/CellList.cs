using NasiOnnx.Engine;
using NasiOnnx.Models.Nb201;

namespace NasiOnnx.Tools.Cli;

/// <summary>NAS-Bench-201 cells named by a file (<c>rank --cells/--exclude</c>, <c>evaluate --exclude</c>).</summary>
public static class CellList
{
    /// <summary>The cells a file lists, one per line, or the cell field of each CSV row; a header line is skipped.</summary>
    public static List<Nb201Cell> Read(FileInfo list)
    {
        string[] lines;
        try { lines = File.ReadAllLines(list.FullName); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new NasiException($"{list.FullName}: cannot read the file ({e.Message})");
        }
        var result = new List<Nb201Cell>();
        for (var i = 0; i < lines.Length; i++)
        {
            var text = lines[i].Trim();
            if (text.Length == 0 || text.StartsWith('#')) continue;
            // A CSV row: take the field that looks like a cell (NAS-Bench-201 strings start with '|').
            var field = text.Split(',').FirstOrDefault(f => f.StartsWith('|')) ?? text;
            if (i == 0 && !field.StartsWith('|')) continue; // a header
            if (!Nb201Cell.TryParse(field, out var cell, out var error)) throw new NasiException($"{list.FullName}:{i + 1}: {error}");
            result.Add(cell!);
        }
        return result.Distinct().ToList();
    }
}
