using NasiOnnx.Engine.Evaluation;

namespace NasiOnnx.Tools.Output;

/// <summary>
/// Every score's Spearman ρ with every accuracy column as one PNG: a group of bars per score (one bar per accuracy
/// column, over all cells), a black tick on each bar for the cells with an input→output path, scores sorted by their
/// mean ρ over all cells.
/// </summary>
public static class CorrelationPlot
{
    public static void Save(IReadOnlyList<CorrelationRow> rows, string title, string path)
    {
        var truths = rows.Select(r => r.Truth).Distinct().ToList();
        var scores = rows.GroupBy(r => r.Score)
            .OrderByDescending(g => g.Where(r => double.IsFinite(r.Spearman)).Select(r => r.Spearman).DefaultIfEmpty(-1).Average())
            .Select(g => g.Key).ToList();
        ScottPlot.Color[] palette = [ScottPlot.Colors.SteelBlue, ScottPlot.Colors.DarkOrange, ScottPlot.Colors.SeaGreen, ScottPlot.Colors.Purple];
        var plot = new ScottPlot.Plot();
        var width = 0.8 / truths.Count;
        for (var t = 0; t < truths.Count; t++)
        {
            var bars = new List<ScottPlot.Bar>();
            var ticksX = new List<double>();
            var ticksY = new List<double>();
            for (var s = 0; s < scores.Count; s++)
            {
                var row = rows.FirstOrDefault(r => r.Score == scores[s] && r.Truth == truths[t]);
                if (row is null || !double.IsFinite(row.Spearman)) continue;
                var x = s - 0.4 + width * (t + 0.5);
                bars.Add(new ScottPlot.Bar { Position = x, Value = row.Spearman, Size = width * 0.9, FillColor = palette[t % palette.Length] });
                if (double.IsFinite(row.SpearmanConnected)) { ticksX.Add(x); ticksY.Add(row.SpearmanConnected); }
            }
            plot.Add.Bars(bars);
            var connected = plot.Add.ScatterPoints(ticksX.ToArray(), ticksY.ToArray());
            connected.Color = ScottPlot.Colors.Black;
            connected.MarkerShape = ScottPlot.MarkerShape.HorizontalBar;
            connected.MarkerSize = 10;
            plot.Legend.ManualItems.Add(new ScottPlot.LegendItem { LabelText = truths[t], FillColor = palette[t % palette.Length] });
        }
        plot.Legend.ManualItems.Add(new ScottPlot.LegendItem { LabelText = "— connected cells only", LineColor = ScottPlot.Colors.Black });
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            Enumerable.Range(0, scores.Count).Select(i => (double)i).ToArray(), scores.ToArray());
        plot.Axes.Bottom.TickLabelStyle.Rotation = 45;
        plot.Axes.Bottom.TickLabelStyle.Alignment = ScottPlot.Alignment.MiddleLeft;
        plot.Axes.Bottom.MinimumSize = 90;
        plot.Add.HorizontalLine(0, color: ScottPlot.Colors.Gray);
        plot.Axes.SetLimitsY(Math.Min(-0.2, rows.Where(r => double.IsFinite(r.Spearman)).Select(r => r.Spearman).DefaultIfEmpty(0).Min() - 0.05), 1);
        plot.Title(title);
        plot.YLabel("Spearman ρ with test accuracy");
        plot.ShowLegend(ScottPlot.Alignment.UpperRight);
        plot.SavePng(path, Math.Max(900, 70 * scores.Count), 650);
    }
}
