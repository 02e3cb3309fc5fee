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
