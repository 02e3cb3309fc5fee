using System.Globalization;
using CsvHelper;

namespace NasiOnnx.Engine.Evaluation;

/// <summary>A CSV file read as named columns of text, for joining scores to ground truth.</summary>
public sealed class CsvTable
{
    public string Source { get; }
    public IReadOnlyList<string> Columns { get; }
    public IReadOnlyList<string[]> Rows { get; }

    private CsvTable(string source, IReadOnlyList<string> columns, IReadOnlyList<string[]> rows)
    {
        Source = source; Columns = columns; Rows = rows;
    }

    public static CsvTable Read(string path)
    {
        try
        {
            using var reader = new CsvReader(new StreamReader(path), CultureInfo.InvariantCulture);
            if (!reader.Read()) throw new NasiException($"{path}: empty CSV file");
            reader.ReadHeader();
            var header = reader.HeaderRecord ?? throw new NasiException($"{path}: no header row");
            var rows = new List<string[]>();
            while (reader.Read())
            {
                var row = new string[header.Length];
                for (var i = 0; i < header.Length; i++) row[i] = reader.TryGetField<string>(i, out var v) ? v ?? "" : "";
                rows.Add(row);
            }
            return new CsvTable(path, header, rows);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new NasiException($"{path}: cannot read the file ({e.Message})", e);
        }
        catch (CsvHelperException e)
        {
            throw new NasiException($"{path}: not a readable CSV file ({e.Message.Split('\n')[0]})", e);
        }
    }

    /// <summary>
    /// The tables joined by their id column (the first of <paramref name="idColumns"/> each has): the rows of the first
    /// table that every other table has too, with every table's columns; a column two tables share is kept from the
    /// first (e.g. the bookkeeping columns of two <c>nasi rank</c> results).
    /// </summary>
    public static CsvTable Merge(IReadOnlyList<CsvTable> tables, params string[] idColumns)
    {
        if (tables.Count == 1) return tables[0];
        var ids = tables.Select(t => t.Require(idColumns)).ToList();
        var columns = new List<string>(tables[0].Columns);
        var sources = new List<(int Table, int Column)>(columns.Select((_, i) => (0, i)));
        for (var k = 1; k < tables.Count; k++)
            for (var i = 0; i < tables[k].Columns.Count; i++)
                if (i != ids[k] && !columns.Contains(tables[k].Columns[i], StringComparer.OrdinalIgnoreCase))
                {
                    columns.Add(tables[k].Columns[i]);
                    sources.Add((k, i));
                }
        var byId = tables.Select((t, k) => t.Rows.GroupBy(r => r[ids[k]]).ToDictionary(g => g.Key, g => g.Last())).ToList();
        var rows = new List<string[]>();
        foreach (var row in tables[0].Rows)
        {
            var parts = new string[tables.Count][];
            parts[0] = row;
            var complete = true;
            for (var k = 1; k < tables.Count && complete; k++) complete = byId[k].TryGetValue(row[ids[0]], out parts[k]!);
            if (complete) rows.Add(sources.Select(s => parts[s.Table][s.Column]).ToArray());
        }
        return new CsvTable(string.Join(" + ", tables.Select(t => t.Source)), columns, rows);
    }

    /// <summary>The same table with only the rows <paramref name="keep"/> accepts.</summary>
    public CsvTable Where(Func<string[], bool> keep) => new(Source, Columns, Rows.Where(keep).ToList());

    public int IndexOf(string column) => Columns.ToList().FindIndex(c => c.Equals(column, StringComparison.OrdinalIgnoreCase));

    /// <summary>The first of <paramref name="names"/> that is a column, or an error naming them all.</summary>
    public int Require(params string[] names)
    {
        foreach (var n in names)
            if (IndexOf(n) is var i and >= 0) return i;
        throw new NasiException($"{Source}: no column named {string.Join(" or ", names)} (columns: {string.Join(", ", Columns)})");
    }

    /// <summary>Columns whose every non-empty value is a number.</summary>
    public IEnumerable<string> NumericColumns() => Columns.Where((_, i) =>
        Rows.Any(r => r[i].Length > 0) && Rows.All(r => r[i].Length == 0 || IsNumber(r[i])));

    public static double Number(string s) =>
        double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : double.NaN;

    private static bool IsNumber(string s) => !double.IsNaN(Number(s)) || s.Equals("NaN", StringComparison.OrdinalIgnoreCase);
}
