using System.Globalization;
using System.Text;
using System.Text.Json;
using CsvHelper;
using CsvHelper.Configuration;

namespace NasiOnnx.Engine.Ranking;

/// <summary>
/// An append-only results file (CSV, or JSON lines for <c>.jsonl</c>/<c>.json</c>) that a killed run can resume:
/// each row goes out as one write of a whole line, flushed to disk, and on reopening a torn last line is cut off
/// and every complete row is kept. Thread-safe. Files of runs that score isomorphic candidates once
/// (<see cref="Candidate.Members"/>) have a <c>scored_as</c> column after the fixed ones.
/// </summary>
public sealed class ResultLog : IDisposable
{
    private static readonly string[] FixedColumns = ["id", "status", "parameters", "input_shape", "provider", "seconds", "batch", "notes"];

    /// <summary>The columns of files written before rows said their batch route; <see cref="Read"/> still reads them.</summary>
    private static readonly string[] LegacyColumns = FixedColumns[..6];

    private const string ScoredAsColumn = "scored_as";

    private readonly FileStream _stream;
    private readonly bool _json;
    private readonly IReadOnlyList<string> _metrics;
    private readonly List<ScoreRow> _rows;
    private readonly object _gate = new();
    private readonly HashSet<string> _ids;
    private readonly bool _scoredAs;

    public string Path { get; }

    /// <summary>Rows already in the file when it was opened, then every row appended since.</summary>
    public IReadOnlyList<ScoreRow> Rows { get { lock (_gate) return _rows.ToList(); } }

    public bool Contains(string id) { lock (_gate) return _ids.Contains(id); }

    /// <summary>The row of <paramref name="id"/>, or null.</summary>
    public ScoreRow? Find(string id) { lock (_gate) return _ids.Contains(id) ? _rows.Find(r => r.Id == id) : null; }

    private ResultLog(string path, FileStream stream, bool json, IReadOnlyList<string> metrics, List<ScoreRow> rows, bool scoredAs)
    {
        Path = path; _stream = stream; _json = json; _metrics = metrics; _rows = rows; _scoredAs = scoredAs;
        _ids = new HashSet<string>(rows.Select(r => r.Id), StringComparer.Ordinal);
    }

    public static bool IsJson(string path) =>
        path.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".json", StringComparison.OrdinalIgnoreCase);

    /// <summary>Opens (or creates) the file; an existing file must have been written with the same metrics.</summary>
    /// <param name="path">A .csv, .jsonl or .json file.</param>
    /// <param name="metrics">The metric columns.</param>
    /// <param name="scoredAs">Whether rows say which candidate was scored for them (a <c>scored_as</c> column).</param>
    public static ResultLog Open(string path, IReadOnlyList<string> metrics, bool scoredAs = false)
    {
        var json = IsJson(path);
        var dir = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path));
        if (dir is not null) Directory.CreateDirectory(dir);
        FileStream stream;
        try
        {
            stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new NasiException($"{path}: cannot open the results file ({e.Message})", e);
        }
        try
        {
            var text = CutTornLine(stream);
            var rows = json ? ReadJson(text, path) : ReadCsv(text, path, metrics, FixedColumns, scoredAs);
            var log = new ResultLog(path, stream, json, metrics, rows, scoredAs);
            if (!json && stream.Length == 0) log.WriteLine(string.Join(',', Header(FixedColumns, metrics, scoredAs).Select(Csv)));
            return log;
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Rewrites <paramref name="path"/> without its error rows, so that a resumed run scores those candidates again (a
    /// failure may be transient: a crash, a killed worker, memory). The new file is written beside the old and moved
    /// over it, so a kill at any moment leaves one whole file. Returns how many rows were dropped; a missing file, or
    /// one without errors, is left as it is.
    /// </summary>
    public static int DropErrorRows(string path)
    {
        if (!File.Exists(path)) return 0;
        var (metrics, rows) = Read(path);
        var kept = rows.Where(r => r.IsOk).ToList();
        if (kept.Count == rows.Count) return 0;
        var scoredAs = rows.Any(r => r.ScoredAs.Length > 0)
            || (!IsJson(path) && File.ReadLines(path).First().Split(',').Contains(ScoredAsColumn));
        var temporary = path + ".retry" + System.IO.Path.GetExtension(path);
        File.Delete(temporary);
        using (var log = Open(temporary, metrics, scoredAs)) log.Append(kept);
        File.Move(temporary, path, overwrite: true);
        return rows.Count - kept.Count;
    }

    /// <summary>Reads a results file without opening it for appending: its metric columns and complete rows.</summary>
    public static (IReadOnlyList<string> Metrics, IReadOnlyList<ScoreRow> Rows) Read(string path)
    {
        string text;
        try { text = File.ReadAllText(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new NasiException($"{path}: cannot read the results file ({e.Message})", e);
        }
        text = text[..(text.LastIndexOf('\n') + 1)]; // a torn last line is not a row
        if (IsJson(path))
        {
            var rows = ReadJson(text, path);
            return (rows.SelectMany(r => r.Metrics.Keys).Distinct().ToList(), rows);
        }
        var header = text.Split('\n')[0].TrimEnd('\r').Split(',');
        var fixedColumns = header.Take(FixedColumns.Length).SequenceEqual(FixedColumns) ? FixedColumns
            : header.Take(LegacyColumns.Length).SequenceEqual(LegacyColumns) ? LegacyColumns
            : throw new NasiException($"{path}: not a results file of nasi (its columns start {string.Join(",", header.Take(FixedColumns.Length))})");
        var scoredAs = header.Length > fixedColumns.Length && header[fixedColumns.Length] == ScoredAsColumn;
        var metrics = header.Skip(fixedColumns.Length + (scoredAs ? 1 : 0)).ToList();
        return (metrics, ReadCsv(text, path, metrics, fixedColumns, scoredAs));
    }

    private static IEnumerable<string> Header(string[] fixedColumns, IReadOnlyList<string> metrics, bool scoredAs) =>
        fixedColumns.Concat(scoredAs ? [ScoredAsColumn] : []).Concat(metrics);

    public void Append(ScoreRow row) => Append([row]);

    /// <summary>Appends <paramref name="rows"/> in one write (the rows of a class of isomorphic candidates).</summary>
    public void Append(IReadOnlyList<ScoreRow> rows)
    {
        if (rows.Count == 0) return;
        var lines = string.Join('\n', rows.Select(r => _json ? JsonLine(r) : CsvLine(r)));
        lock (_gate)
        {
            WriteLine(lines);
            _rows.AddRange(rows);
            foreach (var r in rows) _ids.Add(r.Id);
        }
    }

    private void WriteLine(string line)
    {
        // One write of the whole line, then a flush to disk: a kill leaves whole rows or a torn tail we cut off.
        _stream.Seek(0, SeekOrigin.End);
        _stream.Write(Encoding.UTF8.GetBytes(line + "\n"));
        _stream.Flush(flushToDisk: true);
    }

    private static string CutTornLine(FileStream stream)
    {
        var bytes = new byte[stream.Length];
        stream.Seek(0, SeekOrigin.Begin);
        stream.ReadExactly(bytes);
        var end = Array.LastIndexOf(bytes, (byte)'\n') + 1;
        if (end < bytes.Length) stream.SetLength(end);
        return Encoding.UTF8.GetString(bytes, 0, end);
    }

    private string CsvLine(ScoreRow r)
    {
        var fields = new[] { r.Id, r.Status, r.Parameters.ToString(CultureInfo.InvariantCulture), r.InputShape, r.Provider, Number(r.Seconds), r.Route, r.Notes }
            .Concat(_scoredAs ? [r.ScoredAs] : [])
            .Concat(_metrics.Select(m => Number(r.Metric(m))));
        return string.Join(',', fields.Select(Csv));
    }

    private static string JsonLine(ScoreRow r)
    {
        var fields = new Dictionary<string, object?>
        {
            ["id"] = r.Id, ["status"] = r.Status, ["parameters"] = r.Parameters, ["input_shape"] = r.InputShape,
            ["provider"] = r.Provider, ["seconds"] = r.Seconds, ["batch"] = r.Route, ["notes"] = r.Notes,
        };
        if (r.ScoredAs.Length > 0) fields[ScoredAsColumn] = r.ScoredAs;
        fields["metrics"] = r.Metrics.ToDictionary(kv => kv.Key, kv => double.IsFinite(kv.Value) ? (object)kv.Value : null);
        return JsonSerializer.Serialize(fields);
    }

    private static string Number(double v) => double.IsNaN(v) ? "" : v.ToString("R", CultureInfo.InvariantCulture);

    private static string Csv(string field) =>
        field.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? "\"" + field.Replace("\"", "\"\"") + "\"" : field;

    private static List<ScoreRow> ReadCsv(string text, string path, IReadOnlyList<string> metrics, string[] fixedColumns, bool scoredAs)
    {
        var legacy = fixedColumns.Length < FixedColumns.Length;
        var rows = new List<ScoreRow>();
        if (text.Length == 0) return rows;
        using var reader = new CsvReader(new StringReader(text), new CsvConfiguration(CultureInfo.InvariantCulture));
        reader.Read();
        reader.ReadHeader();
        var header = reader.HeaderRecord ?? [];
        var expected = Header(fixedColumns, metrics, scoredAs).ToArray();
        if (!header.SequenceEqual(expected))
            throw new NasiException($"{path}: its columns ({string.Join(",", header)}) differ from this run's ({string.Join(",", expected)}); use another output file");
        while (reader.Read())
        {
            rows.Add(new ScoreRow
            {
                Id = reader.GetField("id") ?? "",
                Status = reader.GetField("status") ?? "",
                Parameters = long.TryParse(reader.GetField("parameters"), CultureInfo.InvariantCulture, out var p) ? p : 0,
                InputShape = reader.GetField("input_shape") ?? "",
                Provider = reader.GetField("provider") ?? "",
                Seconds = ParseNumber(reader.GetField("seconds")),
                Route = legacy ? "" : reader.GetField("batch") ?? "",
                Notes = legacy ? "" : reader.GetField("notes") ?? "",
                ScoredAs = scoredAs ? reader.GetField(ScoredAsColumn) ?? "" : "",
                Metrics = metrics.ToDictionary(m => m, m => ParseNumber(reader.GetField(m))),
            });
        }
        return rows;
    }

    private static List<ScoreRow> ReadJson(string text, string path)
    {
        var rows = new List<ScoreRow>();
        var lineNumber = 0;
        foreach (var line in text.Split('\n'))
        {
            lineNumber++;
            if (line.Length == 0) continue;
            try
            {
                var e = JsonDocument.Parse(line).RootElement;
                rows.Add(new ScoreRow
                {
                    Id = e.GetProperty("id").GetString() ?? "",
                    Status = e.GetProperty("status").GetString() ?? "",
                    Parameters = e.GetProperty("parameters").GetInt64(),
                    InputShape = e.GetProperty("input_shape").GetString() ?? "",
                    Provider = e.GetProperty("provider").GetString() ?? "",
                    Seconds = e.GetProperty("seconds").GetDouble(),
                    Route = e.TryGetProperty("batch", out var route) ? route.GetString() ?? "" : "",
                    Notes = e.TryGetProperty("notes", out var notes) ? notes.GetString() ?? "" : "",
                    ScoredAs = e.TryGetProperty(ScoredAsColumn, out var scored) ? scored.GetString() ?? "" : "",
                    Metrics = e.GetProperty("metrics").EnumerateObject()
                        .ToDictionary(p => p.Name, p => p.Value.ValueKind == JsonValueKind.Number ? p.Value.GetDouble() : double.NaN),
                });
            }
            catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException)
            {
                throw new NasiException($"{path}:{lineNumber}: not a results row ({ex.Message})");
            }
        }
        return rows;
    }

    private static double ParseNumber(string? s) =>
        double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : double.NaN;

    public void Dispose() => _stream.Dispose();
}
