namespace NasiOnnx.Engine.Ntk;

/// <summary>
/// Products J v of the per-sample Jacobian J = ∂f(X)/∂θ (rows: sample-major, then logit) with a direction v over
/// all parameters. The estimators need only this, so a second implementation (exact forward-mode, or exact rows
/// from backward passes through a gradient graph) plugs in without touching them. Not thread-safe: one per worker.
/// </summary>
public interface IJacobianProduct
{
    /// <summary>Length of v: the parameter count.</summary>
    int Parameters { get; }

    /// <summary>Samples in the batch.</summary>
    int BatchSize { get; }

    /// <summary>Logits per sample; J has <see cref="BatchSize"/> · <see cref="Outputs"/> rows.</summary>
    int Outputs { get; }

    /// <summary>"CPU" or "CUDA": where the products are computed.</summary>
    string Provider { get; }

    /// <summary>Writes J v into <paramref name="result"/> (length BatchSize · Outputs, row [i, c] at i·Outputs + c).</summary>
    void Multiply(ReadOnlySpan<float> direction, Span<double> result);
}
