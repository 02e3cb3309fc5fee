using System.Diagnostics;
using NasiOnnx.Engine.Init;

namespace NasiOnnx.Engine.Search;

/// <summary>
/// NASI's objective max_α E_{A∼p_α}[R(A)] and Algorithm 1's one step Δ* = (ξ/T) Σ G_t / max_{s≤t} ‖G_s‖ from α₀ = 0,
/// but with R any score of the <em>discrete</em> architecture A_t (a training-free proxy, the ensemble) and G_t its
/// score-function estimate instead of the reparameterised gradient: no supernet, no second derivative, only R of T
/// sampled architectures. Beyond the paper, and labelled so wherever it is used.
/// <list type="bullet">
/// <item>A_t: one op per edge, the argmax of α + g_t with the same seeded Gumbel draws as <see cref="NasiSearch"/>
/// (Gumbel-max: an exact sample of p_α = softmax(α) per edge).</item>
/// <item>G_t = u_t · ∇α log p_α(A_t), with ∇α log p_α(A) = onehot(A) − softmax(α) per edge.</item>
/// <item>u_t: the centred rank of R(A_t) among the T samples, in [−½, ½] (fitness shaping, as evolution strategies
/// do): proxies have arbitrary scales and heavy tails, and a rank keeps one extreme sample from deciding the search.
/// A constant baseline changes nothing in expectation, since E[∇α log p] = 0.</item>
/// <item>Rounds (<see cref="NasiSearchOptions.Rounds"/>, default 1 = Algorithm 1): the T samples in K rounds, each drawn at
/// the α the earlier rounds reached and stepping α by its own Δ*, so later rounds weigh each edge's ops among
/// architectures that are already good elsewhere. One step from α₀ = 0 estimates each edge's marginal effect, and on
/// NAS-Bench-201 the marginal-best op is nor_conv_3x3 on every edge for all three data sets (README).</item>
/// </list>
/// </summary>
public static class ScoreFunctionSearch
{
    /// <param name="arch">The architecture inputs: edges × ops, laid out as α.</param>
    /// <param name="options">T, ξ and the seed (of the Gumbel draws); the supernet settings do not apply.</param>
    /// <param name="objective">R of the architecture whose per-edge ops are the one-hot rows given (flat, input order), at step t.</param>
    /// <param name="progress">Reported after each sampled architecture is scored.</param>
    /// <param name="cancellationToken">Stops between samples.</param>
    /// <param name="feasible">
    /// Beyond the paper: only architectures it accepts are scored. A draw it refuses is replaced by a fresh seeded
    /// draw from the same p_α (<see cref="Gumbel(ulong, int, int, int)"/>), so the samples come from p_α restricted to
    /// the feasible set and ∇α log p_α is the untruncated one (a constant factor per α, which the step's normalisation
    /// by max ‖G‖ absorbs only approximately). Null: every draw is scored, Algorithm 1's sampling.
    /// </param>
    public static NasiSearchResult Run(IReadOnlyList<ArchitectureInput> arch, NasiSearchOptions options,
        Func<int, double[], double> objective, IProgress<NasiSearchProgress>? progress = null, CancellationToken cancellationToken = default,
        Func<double[], bool>? feasible = null)
    {
        options.Validate();
        var clock = Stopwatch.StartNew();
        var count = arch.Sum(a => a.Count);
        var alpha = new double[count];
        var recorded = new List<NasiSample>();
        var rounds = Math.Min(options.Rounds, options.Samples);
        for (int round = 0, t = 0; round < rounds; round++)
        {
            // Round k draws its share of the T samples from p_α at the α the earlier rounds reached, then steps α by
            // that round's Δ* (with one round, Algorithm 1 exactly: T samples at α₀ = 0, one step of size ξ).
            var size = options.Samples / rounds + (round < options.Samples % rounds ? 1 : 0);
            var p = Probabilities(arch, alpha);
            var samples = new List<(double[] OneHot, double R)>();
            for (var k = 0; k < size; k++, t++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var oneHot = Sample(arch, alpha, Gumbel(options.Seed, t, count));
                for (var draw = 1; feasible is not null && !feasible(oneHot); draw++)
                {
                    if (draw == MaxDraws)
                        throw new NasiException($"step {t}: {MaxDraws} draws in a row broke the constraints; the budget admits too few architectures to sample");
                    cancellationToken.ThrowIfCancellationRequested();
                    oneHot = Sample(arch, alpha, Gumbel(options.Seed, t, count, draw));
                }
                var r = objective(t, oneHot);
                if (!double.IsFinite(r)) throw new NasiException($"the objective is {r} at step {t}: a search needs a finite score for every sampled architecture");
                samples.Add((oneHot, r));
                progress?.Report(new NasiSearchProgress(t + 1, options.Samples, new NasiSample(t, r, r, double.NaN, double.NaN, [], double.NaN), clock.Elapsed));
            }

            var utilities = CentredRanks(samples.Select(x => x.R).ToList());
            var delta = new double[count];
            double maxNorm = 0;
            for (var i = 0; i < samples.Count; i++)
            {
                var g = new double[count];
                for (var j = 0; j < count; j++) g[j] = utilities[i] * (samples[i].OneHot[j] - p[j]); // u · ∇α log p_α(A)
                var norm = Math.Sqrt(g.Sum(v => v * v));
                maxNorm = Math.Max(maxNorm, norm);
                if (maxNorm > 0)
                    for (var j = 0; j < count; j++) delta[j] += g[j] / maxNorm;
                recorded.Add(new NasiSample(t - size + i, samples[i].R, samples[i].R, double.NaN, double.NaN, g, norm));
            }
            for (var j = 0; j < count; j++) alpha[j] += options.Xi / size * delta[j];
        }

        var result = new Dictionary<string, double[]>(StringComparer.Ordinal);
        var start = 0;
        foreach (var a in arch)
        {
            result[a.Name] = alpha[start..(start + a.Count)];
            start += a.Count;
        }
        var seconds = clock.Elapsed.TotalSeconds;
        return new NasiSearchResult(result, recorded, double.NaN, seconds, seconds / options.Samples, "");
    }

    /// <summary>softmax(α) per edge row.</summary>
    public static double[] Probabilities(IReadOnlyList<ArchitectureInput> arch, double[] alpha)
    {
        var p = new double[alpha.Length];
        var offset = 0;
        foreach (var input in arch)
            for (var e = 0; e < input.Edges; e++, offset += input.Ops)
            {
                var max = alpha.AsSpan(offset, input.Ops).ToArray().Max();
                double sum = 0;
                for (var o = 0; o < input.Ops; o++) sum += p[offset + o] = Math.Exp(alpha[offset + o] - max);
                for (var o = 0; o < input.Ops; o++) p[offset + o] /= sum;
            }
        return p;
    }

    /// <summary>Per edge row, 1 at the argmax of α + g (ties to the earlier op), else 0: a sample of p_α (Gumbel-max).</summary>
    public static double[] Sample(IReadOnlyList<ArchitectureInput> arch, double[] alpha, double[] gumbel)
    {
        var oneHot = new double[gumbel.Length];
        var offset = 0;
        foreach (var input in arch)
            for (var e = 0; e < input.Edges; e++, offset += input.Ops)
            {
                var best = 0;
                for (var o = 1; o < input.Ops; o++)
                    if (alpha[offset + o] + gumbel[offset + o] > alpha[offset + best] + gumbel[offset + best]) best = o;
                oneHot[offset + best] = 1;
            }
        return oneHot;
    }

    /// <summary>How many draws a feasible sample may take before the search gives up.</summary>
    public const int MaxDraws = 10_000;

    /// <summary>
    /// Standard Gumbel noise for step t: the very draws <see cref="NasiSearch.Gumbel"/> makes for the same seed; a
    /// redraw k ≥ 1 (a constrained search replacing an infeasible sample) has a stream of its own.
    /// </summary>
    public static double[] Gumbel(ulong seed, int step, int count, int redraw = 0)
    {
        var rng = Rng.For(seed, redraw == 0 ? $"gumbel/{step}" : $"gumbel/{step}/redraw/{redraw}");
        var g = new double[count];
        for (var i = 0; i < g.Length; i++)
        {
            double u;
            do u = rng.NextDouble(); while (u <= 0);
            g[i] = -Math.Log(-Math.Log(u));
        }
        return g;
    }

    /// <summary>rank/(n − 1) − ½ with ties sharing their mean rank; 0 for a single value.</summary>
    public static double[] CentredRanks(IReadOnlyList<double> values)
    {
        var n = values.Count;
        var u = new double[n];
        if (n < 2) return u;
        var order = Enumerable.Range(0, n).OrderBy(i => values[i]).ToArray();
        for (var i = 0; i < n;)
        {
            var j = i;
            while (j + 1 < n && values[order[j + 1]] == values[order[i]]) j++;
            var rank = (i + j) / 2.0;
            for (var k = i; k <= j; k++) u[order[k]] = rank / (n - 1) - 0.5;
            i = j + 1;
        }
        return u;
    }
}
