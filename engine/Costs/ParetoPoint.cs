namespace NasiOnnx.Engine.Costs;

/// <summary>One candidate on a cost–score plane: higher <see cref="Score"/> is better, lower <see cref="Cost"/> is better.</summary>
public readonly record struct ParetoPoint(string Id, double Score, double Cost);
