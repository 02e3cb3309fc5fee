using MathNet.Numerics.LinearAlgebra;
using NasiOnnx.Engine.Graphs;

namespace NasiOnnx.Engine.Proxies;

/// <summary>
/// MeCo (Jiang et al., NeurIPS 2023; HamsterMimi/MeCo): for every module output, sample 0's feature map read as C
/// variables observed at H·W positions, its C × C Pearson correlation matrix (NaN entries, from constant channels, set
/// to 0) and the matrix's smallest eigenvalue; MeCo is their sum.
/// </summary>
public static class Meco
{
    /// <summary>Σ over <paramref name="maps"/> ([1, C, H, W] each) of λ_min(corr).</summary>
    public static double Score(IEnumerable<Tensor> maps) => maps.Sum(MinEigenvalue);

    public static double MinEigenvalue(Tensor map)
    {
        var c = (int)map.Shape[1];
        var positions = map.Data.Length / c;
        var corr = Correlation(map.Data, c, positions);
        return Matrix<double>.Build.DenseOfRowMajor(c, c, corr).Evd(Symmetricity.Symmetric).EigenValues.Min(z => z.Real);
    }

    /// <summary>np.corrcoef of <paramref name="rows"/> variables with <paramref name="columns"/> observations each, NaN
    /// (a constant variable, or a single observation) set to 0 as MeCo does; clipped to [−1, 1] as numpy does.</summary>
    public static double[] Correlation(ReadOnlySpan<float> data, int rows, int columns)
    {
        var centered = new double[rows * columns];
        var norm = new double[rows];
        for (var r = 0; r < rows; r++)
        {
            double mean = 0;
            for (var j = 0; j < columns; j++) mean += data[r * columns + j];
            mean /= columns;
            double ss = 0;
            for (var j = 0; j < columns; j++)
            {
                var d = data[r * columns + j] - mean;
                centered[r * columns + j] = d;
                ss += d * d;
            }
            norm[r] = Math.Sqrt(ss);
        }
        var corr = new double[rows * rows];
        for (var a = 0; a < rows; a++)
            for (var b = a; b < rows; b++)
            {
                double value;
                if (norm[a] == 0 || norm[b] == 0 || columns < 2) value = 0;
                else
                {
                    double dot = 0;
                    for (var j = 0; j < columns; j++) dot += centered[a * columns + j] * centered[b * columns + j];
                    value = Math.Clamp(dot / (norm[a] * norm[b]), -1, 1);
                }
                corr[a * rows + b] = corr[b * rows + a] = value;
            }
        return corr;
    }
}
