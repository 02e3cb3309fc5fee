namespace NasiOnnx.Engine.Evaluation;

/// <summary>
/// One candidate of a budget study: its cost (params or flops), the score a ranking gives it (higher is better; NaN
/// where n/a) and its trained accuracy per dataset (read only after every score is fixed).
/// </summary>
public sealed record BudgetedCell(string Id, double Cost, double Score, IReadOnlyList<double> Accuracy);
