using NasiOnnx.Engine.Graphs;

namespace NasiOnnx.Engine.Proxies;

/// <summary>The proxies formed from <see cref="ProbePass"/>'s per-channel gradients and Hessian-vector product.</summary>
public static class ProbeProxies
{
    /// <summary>
    /// fisher (Theis et al. 2018, Turner et al. 2020; zero-cost-nas <c>fisher.py</c>): per weight layer and output
    /// channel k, Δ_k = ½ · mean_n (Σ_positions y ⊙ ∂L/∂y)²_{n,k}; zero-cost-nas broadcasts Δ_k over the k-th
    /// filter's weights before summing, so each layer adds Σ_k Δ_k · |W| / C_out.
    /// </summary>
    public static double Fisher(IEnumerable<WeightLayer> layers, IReadOnlyDictionary<string, Tensor> channelGradients, Func<string, float[]> weights)
    {
        double total = 0;
        foreach (var l in layers)
        {
            var g = channelGradients[l.Weight];
            var b = (int)g.Shape[0];
            var c = g.Data.Length / b;
            var perChannel = (double)weights(l.Weight).Length / c;
            for (var k = 0; k < c; k++)
            {
                double squares = 0;
                for (var n = 0; n < b; n++) squares += (double)g.Data[n * c + k] * g.Data[n * c + k];
                total += 0.5 * squares / b * perChannel;
            }
        }
        return total;
    }

    /// <summary>grasp (Wang et al., ICLR 2020; zero-cost-nas <c>grasp.py</c>, sign as there): Σ_layers Σ −W ⊙ (H g).</summary>
    public static double Grasp(IEnumerable<WeightLayer> layers, Func<string, float[]> weights, IReadOnlyDictionary<string, double[]> hessianGradient)
    {
        double total = 0;
        foreach (var l in layers)
        {
            var w = weights(l.Weight);
            var hg = hessianGradient[l.Weight];
            for (var i = 0; i < w.Length; i++) total -= w[i] * hg[i];
        }
        return total;
    }
}
