using NasiOnnx.Engine.Costs;

namespace NasiOnnx.Tools.Output;

/// <summary>Accuracy against cost as a PNG: every cell in grey, the true front, and the found front's cells at their true accuracy.</summary>
public static class ParetoPlot
{
    public static void Save(IReadOnlyList<ParetoPoint> everyCell, IReadOnlyList<ParetoPoint> trueFront, IReadOnlyList<ParetoPoint> found,
        string metric, string cost, double ratio, string path)
    {
        var plot = new ScottPlot.Plot();
        var cells = plot.Add.ScatterPoints(everyCell.Select(p => p.Cost).ToArray(), everyCell.Select(p => p.Score).ToArray());
        cells.Color = ScottPlot.Colors.Gray.WithAlpha(0.25);
        cells.MarkerSize = 2;
        cells.LegendText = "every cell";
        var truth = plot.Add.Scatter(trueFront.Select(p => p.Cost).ToArray(), trueFront.Select(p => p.Score).ToArray());
        truth.ConnectStyle = ScottPlot.ConnectStyle.StepHorizontal;
        truth.Color = ScottPlot.Colors.Black;
        truth.LegendText = "true front";
        var ours = plot.Add.ScatterPoints(found.Select(p => p.Cost).ToArray(), found.Select(p => p.Score).ToArray());
        ours.Color = ScottPlot.Colors.OrangeRed;
        ours.MarkerSize = 6;
        ours.LegendText = $"{metric}'s front (true accuracy)";
        plot.Title($"{metric} front vs the true front: hypervolume ratio {ratio:P1}");
        plot.XLabel(cost);
        plot.YLabel("CIFAR-10 test accuracy (%)");
        plot.ShowLegend(ScottPlot.Alignment.LowerRight);
        plot.SavePng(path, 900, 600);
    }
}
