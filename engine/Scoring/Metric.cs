namespace NasiOnnx.Engine.Scoring;

/// <summary>The metrics a scorer can compute; their names are the result columns.</summary>
public enum Metric
{
    /// <summary>NASI's S = ‖∇θ mean CE‖², through the gradient graphs (column "nasi").</summary>
    Nasi,
    /// <summary>The NTK trace by finite perturbation, forward passes only (columns "ntk" and "ntk_se").</summary>
    Ntk,
}
