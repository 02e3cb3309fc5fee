using NasiOnnx.Engine.Graphs;

namespace NasiOnnx.Engine.Proxies;

/// <summary>
/// The proxies formed from ∇θ L of the weight layers (zero-cost-nas / NASLib: Conv2d and Linear weights, never
/// biases or BatchNorm parameters), each summed over layers as their <c>sum_arr</c> does, in double precision.
/// </summary>
public static class GradientProxies
{
    /// <summary>grad_norm = Σ_layers ‖∂L/∂W‖₂ (Abdelfattah et al. 2021, zero-cost-nas <c>grad_norm.py</c>).</summary>
    public static double GradNorm(IEnumerable<WeightLayer> layers, IReadOnlyDictionary<string, Tensor> gradients) =>
        layers.Sum(l => Math.Sqrt(Metrics.NasiScorer.SumOfSquares(gradients[l.Weight].Data)));

    /// <summary>snip = Σ_layers Σ |W ⊙ ∂L/∂W| (Lee et al. 2019; zero-cost-nas <c>snip.py</c>: the gradient of a
    /// ones mask on W is W ⊙ ∂L/∂W).</summary>
    public static double Snip(IEnumerable<WeightLayer> layers, Func<string, float[]> weights, IReadOnlyDictionary<string, Tensor> gradients)
    {
        double total = 0;
        foreach (var l in layers)
        {
            var w = weights(l.Weight);
            var g = gradients[l.Weight].Data;
            for (var i = 0; i < w.Length; i++) total += Math.Abs((double)w[i] * g[i]);
        }
        return total;
    }

    /// <summary>
    /// ZiCo (Li et al., ICLR 2023; SLDGroup/ZiCo <c>compute_zico.py</c>) over the gradients of several batches: per
    /// layer, with μ = mean |G| and σ = the population standard deviation of G over the batches, the layer adds
    /// log Σ_{σ≠0} μ/σ, unless that sum is 0 (a layer without gradient adds nothing). G is what the reference reads
    /// from <c>weight.grad</c> after each batch's backward pass, and its loop never zeroes the gradients: batch k's G is
    /// the running sum g₁ + … + g_k. For two batches σ = |g₂|/2 and μ = (|g₁| + |g₁ + g₂|)/2.
    /// </summary>
    public static double Zico(IEnumerable<WeightLayer> layers, IReadOnlyList<IReadOnlyDictionary<string, Tensor>> batches)
    {
        if (batches.Count < 2) throw new ArgumentException("ZiCo needs the gradients of at least two batches.", nameof(batches));
        double total = 0;
        var n = batches.Count;
        var cumulative = new double[n];
        foreach (var l in layers)
        {
            var gs = batches.Select(b => b[l.Weight].Data).ToArray();
            double sum = 0;
            for (var i = 0; i < gs[0].Length; i++)
            {
                double running = 0;
                for (var k = 0; k < n; k++) cumulative[k] = running += gs[k][i];
                double mean = 0, meanAbs = 0;
                for (var k = 0; k < n; k++) { mean += cumulative[k]; meanAbs += Math.Abs(cumulative[k]); }
                mean /= n;
                meanAbs /= n;
                double variance = 0;
                for (var k = 0; k < n; k++) { var d = cumulative[k] - mean; variance += d * d; }
                var std = Math.Sqrt(variance / n);
                if (std != 0) sum += meanAbs / std;
            }
            if (sum != 0) total += Math.Log(sum);
        }
        return total;
    }
}
