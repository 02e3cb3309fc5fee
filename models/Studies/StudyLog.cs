using System.Globalization;
using System.Text;
using CsvHelper;
using NasiOnnx.Engine;

namespace NasiOnnx.Models.Studies;

/// <summary>
/// The runs of a study as an append-only CSV file that a killed study resumes: each run is one flushed write of a whole
/// line, a torn last line is cut off on reopening, and every run already in the file is skipped. The file records the
/// study's settings; reopening it with other settings is an error, so runs of different studies never mix.
/// </summary>
public sealed class StudyLog : IDisposable
{
    private static readonly string[] Columns =
        ["samples", "seed", "architecture", "seconds", "mean_s", "nu", "cifar10_test", "cifar100_test", "imagenet16_120_test", "settings"];

    private readonly FileStream _stream;
    private readonly string _settings;
    private readonly List<StudyRun> _runs;

    private StudyLog(string path, FileStream stream, string settings, List<StudyRun> runs)
    {
        Path = path; _stream = stream; _settings = settings; _runs = runs;
    }

    public string Path { get; }

    public IReadOnlyList<StudyRun> Runs => _runs;

    public bool Contains(int samples, ulong seed) => _runs.Any(r => r.Samples == samples && r.Seed == seed);

    public static StudyLog Open(string path, string settings)
    {
        var dir = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path));
        if (dir is not null) Directory.CreateDirectory(dir);
        FileStream stream;
        try { stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new NasiException($"{path}: cannot open the study file ({e.Message})", e);
        }
        try
        {
            var bytes = new byte[stream.Length];
            stream.ReadExactly(bytes);
            var end = Array.LastIndexOf(bytes, (byte)'\n') + 1;
            if (end < bytes.Length) stream.SetLength(end); // a torn last line is not a run
            var runs = Read(Encoding.UTF8.GetString(bytes, 0, end), path, settings);
            var log = new StudyLog(path, stream, settings, runs);
            if (end == 0) log.WriteLine(string.Join(',', Columns));
            return log;
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    public void Append(StudyRun run)
    {
        string[] fields =
        [
            run.Samples.ToString(CultureInfo.InvariantCulture), run.Seed.ToString(CultureInfo.InvariantCulture), run.Architecture,
            Number(run.Seconds), Number(run.MeanScore), Number(run.Nu), Number(run.Cifar10), Number(run.Cifar100), Number(run.ImageNet16), _settings,
        ];
        WriteLine(string.Join(',', fields.Select(Quote)));
        _runs.Add(run);
    }

    private void WriteLine(string line)
    {
        _stream.Seek(0, SeekOrigin.End);
        _stream.Write(Encoding.UTF8.GetBytes(line + "\n"));
        _stream.Flush(flushToDisk: true);
    }

    private static List<StudyRun> Read(string text, string path, string settings)
    {
        var runs = new List<StudyRun>();
        if (text.Length == 0) return runs;
        using var reader = new CsvReader(new StringReader(text), CultureInfo.InvariantCulture);
        reader.Read();
        reader.ReadHeader();
        if (!(reader.HeaderRecord ?? []).SequenceEqual(Columns))
            throw new NasiException($"{path}: not a study file of nasi (columns {string.Join(",", reader.HeaderRecord ?? [])}); use another file");
        while (reader.Read())
        {
            var line = reader.Parser.Row;
            var theirs = reader.GetField("settings") ?? "";
            if (theirs != settings)
                throw new NasiException($"{path}, line {line}: written by a study with other settings ({theirs}; this one: {settings}); use another file");
            if (!int.TryParse(reader.GetField("samples"), CultureInfo.InvariantCulture, out var samples) ||
                !ulong.TryParse(reader.GetField("seed"), CultureInfo.InvariantCulture, out var seed))
                throw new NasiException($"{path}, line {line}: samples and seed must be integers");
            runs.Add(new StudyRun(samples, seed, reader.GetField("architecture") ?? "", Parse(reader.GetField("seconds")),
                Parse(reader.GetField("mean_s")), Parse(reader.GetField("nu")), Parse(reader.GetField("cifar10_test")),
                Parse(reader.GetField("cifar100_test")), Parse(reader.GetField("imagenet16_120_test"))));
        }
        return runs;
    }

    private static double Parse(string? s) => double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : double.NaN;

    private static string Number(double v) => double.IsNaN(v) ? "" : v.ToString("R", CultureInfo.InvariantCulture);

    private static string Quote(string field) =>
        field.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? "\"" + field.Replace("\"", "\"\"") + "\"" : field;

    public void Dispose() => _stream.Dispose();
}
