using NasiOnnx.Engine;
using NasiOnnx.Engine.Search;

namespace NasiOnnx.Tests.Search;

public class ScoreFunctionSearchTests
{
    private static readonly ArchitectureInput[] Arch = [new("arch", 6, 5)];

    [Test]
    public void CentredRanksShareTiesAndSpanMinusHalfToHalf()
    {
        Assert.That(ScoreFunctionSearch.CentredRanks([3.0, 1.0, 2.0, 2.0, 10.0]), Is.EqualTo(new[] { 0.25, -0.5, -0.125, -0.125, 0.5 }));
        Assert.That(ScoreFunctionSearch.CentredRanks([7.0]), Is.EqualTo(new[] { 0.0 }));
    }

    [Test]
    public void SamplesAreOneHotPerEdgeAtTheArgmaxOfTheSearchsGumbelDraws()
    {
        using var search = NasiSearch.Create(TinySupernet.Build(), [TinySupernet.Arch], new NasiSearchOptions { Seed = 4, Runtime = new() { Provider = Engine.Runtime.ExecutionProvider.Cpu } });
        var g = search.Gumbel(7);
        Assert.That(ScoreFunctionSearch.Gumbel(4, 7, g.Length), Is.EqualTo(g), "the same draws as the supernet search");
        var a = ScoreFunctionSearch.Sample([TinySupernet.Arch], new double[g.Length], g);
        for (var e = 0; e < 2; e++)
        {
            var row = a.Skip(e * 3).Take(3).ToArray();
            Assert.That(row.Sum(), Is.EqualTo(1));
            Assert.That(Array.IndexOf(row, 1.0), Is.EqualTo(Array.IndexOf(g.Skip(e * 3).Take(3).ToArray(), g.Skip(e * 3).Take(3).Max())));
        }
    }

    [Test]
    public void AFeasibilityTestRedrawsRefusedSamplesAndLeavesTheOthersAsTheyWere()
    {
        // Feasible: op 0 on edge 0. Unconstrained draws that already satisfy it are the very same; the rest are redrawn.
        static bool Feasible(double[] a) => a[0] == 1;
        var options = new NasiSearchOptions { Samples = 40, Seed = 6 };
        var free = new List<double[]>();
        var constrained = new List<double[]>();
        ScoreFunctionSearch.Run(Arch, options, (_, a) => { free.Add(a); return a.Sum(); });
        ScoreFunctionSearch.Run(Arch, options, (_, a) => { constrained.Add(a); return a.Sum(); }, feasible: Feasible);
        Assert.That(constrained.All(Feasible), Is.True);
        Assert.That(free.All(Feasible), Is.False, "the constraint binds");
        for (var t = 0; t < free.Count; t++)
            if (Feasible(free[t])) Assert.That(constrained[t], Is.EqualTo(free[t]), $"step {t}");
        var e = Assert.Throws<NasiException>(() => ScoreFunctionSearch.Run(Arch, options, (_, a) => 0, feasible: _ => false))!;
        Assert.That(e.Message, Does.Contain("broke the constraints"));
    }

    /// <summary>R adds a per-edge value of the chosen op plus noise: with enough samples the search finds each edge's best op.</summary>
    [Test]
    public void FindsTheBestOpOfEveryEdgeOfAnAdditiveObjective()
    {
        int[] best = [3, 1, 4, 0, 2, 3];
        var noise = new Random(1);
        double R(int t, double[] a)
        {
            double r = 0;
            for (var e = 0; e < 6; e++)
                for (var o = 0; o < 5; o++)
                    if (a[e * 5 + o] == 1) r += o == best[e] ? 1.0 : 0.1 * o;
            return Math.Exp(r) + noise.NextDouble(); // a monotone, heavy-tailed transform: ranks make it harmless
        }
        var result = ScoreFunctionSearch.Run(Arch, new NasiSearchOptions { Samples = 300, Seed = 2 }, R);
        var alpha = result.Alpha["arch"];
        for (var e = 0; e < 6; e++)
        {
            var row = alpha.Skip(e * 5).Take(5).ToArray();
            Assert.That(Array.IndexOf(row, row.Max()), Is.EqualTo(best[e]), $"edge {e}: α* = {string.Join(", ", row.Select(v => v.ToString("G3")))}");
        }
        Assert.That(Math.Sqrt(alpha.Sum(v => v * v)), Is.LessThanOrEqualTo(1 + 1e-9), "each of the T terms has norm ≤ 1: ‖Δ*‖ ≤ ξ");
        Assert.That(result.Samples, Has.Count.EqualTo(300));
    }

    /// <summary>
    /// Edge 0's best op depends on the others: op 3 there is worth ½ whatever they are, op 1 is worth 2 once at least four
    /// of the other edges have op 3 (each worth 1). From the uniform α₀ that is rare, so one step sees only the marginal
    /// (op 3); rounds move the other edges to op 3 first and then find the interaction.
    /// </summary>
    [Test]
    public void RoundsFindWhatTheOneStepMarginalCannot()
    {
        double R(int t, double[] a)
        {
            var others = Enumerable.Range(1, 5).Sum(e => a[e * 5 + 3]);
            return others + 0.5 * a[3] + (others >= 4 ? 2 * a[1] : 0);
        }
        int EdgeZero(int rounds)
        {
            var alpha = ScoreFunctionSearch.Run(Arch, new NasiSearchOptions { Samples = 300, Rounds = rounds, Xi = 10, Seed = 1 }, R).Alpha["arch"];
            var row = alpha.Take(5).ToArray();
            return Array.IndexOf(row, row.Max());
        }
        Assert.That(EdgeZero(1), Is.EqualTo(3));
        Assert.That(EdgeZero(10), Is.EqualTo(1));
    }

    [Test]
    public void SameSeedSameSearchAndANonFiniteScoreIsAnError()
    {
        double R(int t, double[] a) => a[3] * 2 + a[8] - a[14];
        var a1 = ScoreFunctionSearch.Run(Arch, new NasiSearchOptions { Samples = 20, Seed = 5 }, R).Alpha["arch"];
        var a2 = ScoreFunctionSearch.Run(Arch, new NasiSearchOptions { Samples = 20, Seed = 5 }, R).Alpha["arch"];
        Assert.That(a1, Is.EqualTo(a2));
        Assert.That(() => ScoreFunctionSearch.Run(Arch, new NasiSearchOptions { Samples = 3 }, (t, _) => t == 1 ? double.NaN : 1),
            Throws.InstanceOf<NasiException>().With.Message.Contains("step 1"));
    }
}
