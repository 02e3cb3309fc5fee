using System.Diagnostics;
using NasiOnnx.Engine.Graphs;
using NasiOnnx.Engine.Ranking;
using NasiOnnx.Engine.Scoring;
using NasiOnnx.Models.Api;

namespace NasiOnnx.Bench.Exports;

/// <summary>
/// <c>dotnet run -c Release --project bench -- --exports [DIR]</c>: writes <see cref="ExportCollection"/> to DIR
/// (default: a temporary folder) and scores it as <c>nasi score DIR --metric nasi,ntk --batch 16</c> does, then
/// prints one line per model (route, status, notes) and the fraction that got a NASI score, per route.
/// </summary>
public static class ExportCollectionRun
{
    public static void Run(string? dir)
    {
        dir ??= Directory.CreateTempSubdirectory("nasi-exports").FullName;
        Directory.CreateDirectory(dir);
        var exporters = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var entry in ExportCollection.All)
        {
            var path = Path.Combine(dir, entry.Name + ".onnx");
            ModelFile.Save(entry.Build(), path);
            exporters[path] = entry.Exporter;
        }
        var options = new ScoringOptions
        {
            Metrics = [Metric.Nasi, Metric.Ntk],
            BatchSize = 16,
            Ntk = new() { Probes = 8 },
        };
        var clock = Stopwatch.StartNew();
        var rows = Nasi.RankAsync(exporters.Keys.Order().Select(ModelSource.File), options, new RankingOptions { Workers = 2 },
            Path.Combine(dir, "scores.csv")).GetAwaiter().GetResult();
        Console.WriteLine($"{rows.Count} exports scored in {clock.Elapsed.TotalSeconds:F1} s (2 workers), results in {Path.Combine(dir, "scores.csv")}");
        foreach (var r in rows.OrderBy(r => r.Id, StringComparer.Ordinal))
        {
            var nasi = double.IsFinite(r.Metric("nasi")) ? $"S {r.Metric("nasi"),10:G4}" : "S          —";
            Console.WriteLine($"{Path.GetFileNameWithoutExtension(r.Id),-32} {r.Route,-10} {nasi}  {r.InputShape,-22} {r.Status}{(r.Notes.Length > 0 ? "; " + r.Notes : "")}");
        }
        var scored = rows.Count(r => double.IsFinite(r.Metric("nasi")));
        Console.WriteLine($"NASI score for {scored} of {rows.Count} ({100.0 * scored / rows.Count:F0} %)");
        foreach (var g in rows.GroupBy(r => r.Route.Length > 0 ? r.Route : "(error)").OrderBy(g => g.Key, StringComparer.Ordinal))
            Console.WriteLine($"  {g.Key,-10} {g.Count(),3} models, {g.Count(r => double.IsFinite(r.Metric("nasi"))),3} with S");
    }
}
