namespace NasiOnnx.Engine.Evaluation;

/// <summary>How one score ranks one accuracy column, over all joined cells and over the connected ones only.</summary>
public sealed record CorrelationRow(
    string Score,
    string Truth,
    int Count,
    double Spearman,
    double Kendall,
    int ConnectedCount,
    double SpearmanConnected,
    double KendallConnected);
