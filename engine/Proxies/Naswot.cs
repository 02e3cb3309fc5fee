using System.Numerics;
using MathNet.Numerics.LinearAlgebra;

namespace NasiOnnx.Engine.Proxies;

/// <summary>
/// NASWOT (Mellor et al., ICML 2021; BayesWatch/nas-without-training and NASLib <c>nwot</c>): each sample's binary
/// code c = [x > 0] at the input of every ReLU, the kernel K = Σ_ReLUs (c cᵀ + (1 − c)(1 − c)ᵀ), i.e.
/// K_ij = Σ (N_A − Hamming(c_i, c_j)), and the score log|det K| (<c>np.linalg.slogdet</c>).
/// </summary>
public static class Naswot
{
    /// <summary>K (b × b, row-major) from ReLU inputs [b, …], each counted <c>Readers</c> times.</summary>
    public static double[] Kernel(IEnumerable<ActivationPass.ReluInput> inputs, int batch)
    {
        var k = new double[batch * batch];
        foreach (var input in inputs)
        {
            var data = input.Value.Data;
            var n = data.Length / batch;
            var words = (n + 63) / 64;
            var codes = new ulong[batch * words];
            for (var s = 0; s < batch; s++)
                for (var i = 0; i < n; i++)
                    if (data[s * n + i] > 0) codes[s * words + i / 64] |= 1UL << (i % 64);
            for (var a = 0; a < batch; a++)
                for (var b = a; b < batch; b++)
                {
                    long hamming = 0;
                    for (var w = 0; w < words; w++) hamming += BitOperations.PopCount(codes[a * words + w] ^ codes[b * words + w]);
                    var agree = (double)(n - hamming) * input.Readers;
                    k[a * batch + b] += agree;
                    if (a != b) k[b * batch + a] += agree;
                }
        }
        return k;
    }

    /// <summary>log|det K| by LU with partial pivoting, as slogdet; −∞ for a singular K.</summary>
    public static double LogAbsDet(double[] matrix, int size)
    {
        var lu = Matrix<double>.Build.DenseOfRowMajor(size, size, matrix).LU();
        double total = 0;
        for (var i = 0; i < size; i++) total += Math.Log(Math.Abs(lu.U[i, i]));
        return total;
    }
}
