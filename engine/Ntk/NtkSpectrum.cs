using MathNet.Numerics.LinearAlgebra;

namespace NasiOnnx.Engine.Ntk;

/// <summary>
/// Eigenvalues of an NTK Gram matrix, ascending, with their mean (= trace / size) and the condition number
/// λmax / λmin (TE-NAS's trainability metric). <see cref="ConditionNumber"/> is null when λmin ≤ 1e-12 · λmax:
/// a probe estimate of rank below the size is singular, and an infinite number would not serialize.
/// </summary>
public sealed record NtkSpectrum(double[] Eigenvalues, double Mean, double Min, double Max, double? ConditionNumber)
{
    /// <summary>Below this fraction of λmax an eigenvalue is numerically zero.</summary>
    public const double SingularTolerance = 1e-12;

    public static NtkSpectrum Of(GramMatrix gram)
    {
        var m = Matrix<double>.Build.DenseOfRowMajor(gram.Size, gram.Size, gram.Values);
        var values = m.Evd(Symmetricity.Symmetric).EigenValues.Select(c => c.Real).OrderBy(x => x).ToArray();
        var min = values[0];
        var max = values[^1];
        double? condition = max > 0 && min > SingularTolerance * max ? max / min : null;
        return new NtkSpectrum(values, values.Average(), min, max, condition);
    }
}
