using NasiOnnx.Engine.Graphs;

namespace NasiOnnx.Engine.Proxies;

/// <summary>Binary activation patterns (x &gt; 0 at ReLUs) counted across samples or across neurons.</summary>
public static class Patterns
{
    /// <summary>
    /// SWAP's Ψ (<c>torch.unique</c> over the rows of the transposed sign matrix): every neuron — every element of a
    /// sample's ReLU inputs, each ReLU node counting once — has a pattern of b bits, one per sample; the number of
    /// distinct patterns over all neurons (a ReLU read by several nodes repeats its neurons, which adds no pattern).
    /// </summary>
    public static int DistinctNeuronPatterns(IEnumerable<Tensor> reluInputs, int samples)
    {
        var words = (samples + 63) / 64;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var fast = words == 1 ? new HashSet<ulong>() : null;
        foreach (var value in reluInputs)
        {
            var n = value.Data.Length / samples;
            var pattern = new ulong[words];
            for (var i = 0; i < n; i++)
            {
                Array.Clear(pattern);
                for (var s = 0; s < samples; s++)
                    if (value.Data[s * n + i] > 0) pattern[s / 64] |= 1UL << (s % 64);
                if (fast is not null) fast.Add(pattern[0]);
                else seen.Add(string.Join(",", pattern));
            }
        }
        return fast?.Count ?? seen.Count;
    }

    /// <summary>
    /// TE-NAS's linear-region count (<c>LinearRegionCount.calc_LR</c>): every sample's pattern over all ReLU neurons,
    /// and the number of distinct patterns among the samples.
    /// </summary>
    public static int DistinctSamplePatterns(IEnumerable<Tensor> reluInputs, int samples)
    {
        var codes = new List<ulong>[samples];
        for (var s = 0; s < samples; s++) codes[s] = [];
        foreach (var value in reluInputs)
        {
            var n = value.Data.Length / samples;
            for (var s = 0; s < samples; s++)
            {
                ulong word = 0;
                for (var i = 0; i < n; i++)
                {
                    if (value.Data[s * n + i] > 0) word |= 1UL << (i % 64);
                    if (i % 64 == 63 || i == n - 1) { codes[s].Add(word); word = 0; }
                }
            }
        }
        return codes.Select(c => string.Join(",", c)).Distinct(StringComparer.Ordinal).Count();
    }
}
