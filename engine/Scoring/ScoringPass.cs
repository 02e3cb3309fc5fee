namespace NasiOnnx.Engine.Scoring;

/// <summary>
/// The runs a metric can need. A scorer runs each pass that some requested metric needs exactly once per model, in
/// this order, and hands every metric the results; <see cref="PassTable"/> says how each is run.
/// </summary>
public enum ScoringPass
{
    /// <summary>The model alone: parameters, static shapes. Nothing runs.</summary>
    None,

    /// <summary>NASI's loss-gradient model (∇θ mean CE, batch-statistics BatchNorm) on the batch.</summary>
    Gradient,

    /// <summary>The same gradient model on a second batch of the same data mode (ZiCo's second batch).</summary>
    SecondGradient,

    /// <summary>One forward pass exposing intermediate tensors: every ReLU's input, every 4-D value of sample 0.</summary>
    Activations,

    /// <summary>∂(Σ f)/∂x on the batch (jacob_cov): a gradient model with respect to the input alone.</summary>
    InputJacobian,

    /// <summary>
    /// A second loss-gradient model with a ones mask after every Conv/Gemm and the ReLUs frozen at θ₀, run with the
    /// layer weights at θ₀ ± εg (g from the Gradient pass; a session each): per-channel gradients (Fisher) and GraSP's
    /// Hessian-vector product.
    /// </summary>
    Probes,

    /// <summary>SynFlow's own pass: |θ|, BatchNorm as identity, an all-ones input of batch 1, ∇θ Σ f.</summary>
    Synflow,

    /// <summary>Weights redrawn N(0, 1), BatchNorm scale 1 and bias 0 (Zen-NAS, SWAP): forward passes only.</summary>
    GaussianInit,

    /// <summary>TE-NAS: per-sample gradients of Σ_c f_c on its 16-sample batch, and ReLU patterns.</summary>
    TeNas,

    /// <summary>The NTK trace by finite-perturbation JVPs.</summary>
    Ntk,
}
