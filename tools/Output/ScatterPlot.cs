using NasiOnnx.Engine.Evaluation;

namespace NasiOnnx.Tools.Output;

/// <summary>Score against accuracy as a PNG: connected cells in blue, cells with no input→output path in grey.</summary>
public static class ScatterPlot
{
    public static void Save(ScoreEvaluation evaluation, string score, string truth, string path)
    {
        var rows = evaluation.Rows.Where(r => double.IsFinite(r.Scores[score]) && double.IsFinite(r.Truths[truth])).ToList();
        // Scores such as NASI's span decades: plot log10 when they are all positive.
        var logScale = rows.All(r => r.Scores[score] > 0);
        double X(ScoreEvaluation.Joined r) => logScale ? Math.Log10(r.Scores[score]) : r.Scores[score];

        var plot = new ScottPlot.Plot();
        foreach (var (kept, color, label) in new[] { (true, ScottPlot.Colors.SteelBlue, "connected"), (false, ScottPlot.Colors.Gray, "no input→output path") })
        {
            var group = rows.Where(r => r.Kept == kept).ToList();
            if (group.Count == 0) continue;
            var points = plot.Add.ScatterPoints(group.Select(X).ToArray(), group.Select(r => r.Truths[truth]).ToArray());
            points.Color = color.WithAlpha(0.6);
            points.MarkerSize = 4;
            points.LegendText = label;
        }
        var correlation = evaluation.Correlations().First(c => c.Score == score && c.Truth == truth);
        plot.Title($"{score} vs {truth}: Spearman {correlation.Spearman:F3} (connected {correlation.SpearmanConnected:F3}), n = {correlation.Count}");
        plot.XLabel(logScale ? $"log10({score})" : score);
        plot.YLabel(truth);
        plot.ShowLegend(ScottPlot.Alignment.LowerRight);
        plot.SavePng(path, 900, 600);
    }
}
