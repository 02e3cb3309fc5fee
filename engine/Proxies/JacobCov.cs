using MathNet.Numerics.LinearAlgebra;
using NasiOnnx.Engine.Graphs;
using NasiOnnx.Engine.Scoring;

namespace NasiOnnx.Engine.Proxies;

/// <summary>
/// jacob_cov (Mellor et al. 2020 v1, zero-cost-nas <c>jacob_cov.py</c>): J_i = ∂(Σ f)/∂x_i per sample (one backward
/// of the summed outputs through the batch), C = np.corrcoef of the rows of J, and the score
/// −Σ_λ (log(λ + k) + 1/(λ + k)) over C's eigenvalues, k = 1e-5.
/// </summary>
public static class JacobCov
{
    public const double K = 1e-5;

    /// <param name="jacobian">[b, …]: sample i's input gradient.</param>
    public static double Score(Tensor jacobian)
    {
        var b = (int)jacobian.Shape[0];
        var d = jacobian.Data.Length / b;
        for (var i = 0; i < b; i++)
        {
            var row = jacobian.Data.AsSpan(i * d, d);
            if (!row.ContainsAnyExcept(row[0]))
                throw new MetricUnavailableException($"sample {i}'s input gradient is constant: its correlation is undefined (the reference gives NaN)");
        }
        var corr = Meco.Correlation(jacobian.Data, b, d);
        var eigen = Matrix<double>.Build.DenseOfRowMajor(b, b, corr).Evd(Symmetricity.Symmetric).EigenValues;
        return -eigen.Sum(z => Math.Log(z.Real + K) + 1 / (z.Real + K));
    }
}
