namespace NasiOnnx.Engine.Scoring;

/// <summary>The metrics a scorer can compute; their names are the result columns.</summary>
public enum Metric
{
    /// <summary>NASI's S = ‖∇θ mean CE‖², through the gradient graphs (column "nasi").</summary>
    Nasi,
    /// <summary>The NTK trace by finite perturbation, forward passes only (columns "ntk" and "ntk_se").</summary>
    Ntk,
    /// <summary>NASI's objective R = S − μ·max(0, S − ν) (column "objective"; computed with S).</summary>
    Objective,
}
