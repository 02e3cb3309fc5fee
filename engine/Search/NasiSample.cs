namespace NasiOnnx.Engine.Search;

/// <summary>One step t of the search: S and R at A_t, the threshold ν used, and G_t = ∇α R (flat, input order).</summary>
public sealed record NasiSample(int Step, double Score, double Objective, double Nu, double Loss, double[] Gradient, double GradientNorm);
