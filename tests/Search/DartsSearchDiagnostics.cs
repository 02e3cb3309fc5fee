using NasiOnnx.Engine.Data;
using NasiOnnx.Engine.Search;
using NasiOnnx.Models.Darts;
using NasiOnnx.Models.Spaces;

namespace NasiOnnx.Tests.Search;

/// <summary>
/// Measurements, not checks: run by name (they take minutes and gigabytes). Prints, for the first samples of the default
/// DARTS search (C = 8, 5 cells, batch 64, seed 0, Gaussian data), S and the per-op mean over the 14 edges of
/// G_t = ∂S/∂α (μ = 0, so the sign is S's own, not the penalty's).
/// </summary>
[Explicit("a measurement: minutes and about 5 GB")]
public class DartsSearchDiagnostics
{
    [Test]
    public void PerOpScoreGradientOfTheFirstSamples()
    {
        var samples = int.TryParse(Environment.GetEnvironmentVariable("NASI_DIAG_SAMPLES"), out var n) ? n : 4;
        var space = new DartsSearchSpace();
        var supernet = space.BuildSupernet(0);
        using var search = NasiSearch.Create(supernet, space.ArchitectureInputs, new NasiSearchOptions { Mu = 0, Seed = 0 });
        var source = new GaussianSource([3, 32, 32], 10, seed: 0);
        var alpha = new double[search.ArchitectureCount];
        var ops = DartsOpNames.All;
        var sums = new double[2, ops.Count];
        for (var t = 0; t < samples; t++)
        {
            var s = search.SampleAt(t, alpha, search.Gumbel(t), source.Draw(64, t), nu: double.MaxValue);
            TestContext.Out.WriteLine($"t={t} S={s.Score:G5} loss={s.Loss:F3} ‖G‖={s.GradientNorm:G3}");
            for (var cell = 0; cell < 2; cell++)
            {
                var line = cell == 0 ? "  normal" : "  reduce";
                for (var o = 0; o < ops.Count; o++)
                {
                    double mean = 0;
                    for (var e = 0; e < DartsSupernet.EdgeCount; e++) mean += s.Gradient[(cell * DartsSupernet.EdgeCount + e) * ops.Count + o];
                    mean /= DartsSupernet.EdgeCount;
                    sums[cell, o] += mean;
                    line += $"  {ops[o]} {mean:+0.000;-0.000}";
                }
                TestContext.Out.WriteLine(line);
            }
        }
        for (var cell = 0; cell < 2; cell++)
            TestContext.Out.WriteLine((cell == 0 ? "mean normal" : "mean reduce") +
                string.Concat(Enumerable.Range(0, ops.Count).Select(o => $"  {ops[o]} {sums[cell, o] / samples:+0.000;-0.000}")));
    }

    /// <summary>
    /// S of discrete networks at the search size (C = 8, 5 cells; batch 64, seed 0, Gaussian data, random labels) and
    /// the share of S that each part's parameters carry: the classifier head, the stem, each cell.
    /// </summary>
    [Test]
    public void ScoreSharesOfDiscreteNetworksAtTheSearchSize()
    {
        var options = DartsNetworkOptions.Cifar10 with { C = 8, Layers = 5, Seed = 0 };
        const string foundReduce = "reduce=[('sep_conv_5x5', 1), ('dil_conv_3x3', 0), ('max_pool_3x3', 2), ('dil_conv_3x3', 0), ('max_pool_3x3', 3), ('dil_conv_3x3', 0), ('max_pool_3x3', 2), ('sep_conv_3x3', 0)], reduce_concat=[2, 3, 4, 5])";
        var nets = new (string Name, string Genotype)[]
        {
            ("found (fix100)", "Genotype(normal=[('max_pool_3x3', 1), ('sep_conv_5x5', 0), ('max_pool_3x3', 1), ('avg_pool_3x3', 2), ('max_pool_3x3', 3), ('avg_pool_3x3', 2), ('avg_pool_3x3', 3), ('max_pool_3x3', 1)], normal_concat=[2, 3, 4, 5], " + foundReduce),
            ("found, normal all sep3", "Genotype(normal=[('sep_conv_3x3', 1), ('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 2), ('sep_conv_3x3', 3), ('sep_conv_3x3', 2), ('sep_conv_3x3', 3), ('sep_conv_3x3', 1)], normal_concat=[2, 3, 4, 5], " + foundReduce),
            ("DARTS-V2", DartsPresets.DartsV2.ToString()),
        };
        var batch = new GaussianSource([3, 32, 32], 10, seed: 0).Draw(64, 0);
        foreach (var (name, genotype) in nets)
        {
            var model = DartsNetwork.BuildCifar(DartsGenotype.Parse(genotype), options);
            using var scorer = Engine.Metrics.NasiScorer.Create(model, [64, 3, 32, 32], new() { Provider = Engine.Runtime.ExecutionProvider.Cpu });
            var score = scorer.Score(batch);
            var parts = score.Gradients
                .GroupBy(g => g.Key.Split('/')[0])
                .Select(g => (Part: g.Key, S: g.Sum(t => Engine.Metrics.NasiScorer.SumOfSquares(t.Value.Data))))
                .ToList();
            TestContext.Out.WriteLine($"{name}: S={score.Score:G5} loss={score.Loss:F3}  " +
                string.Join("  ", parts.Select(p => $"{p.Part} {100 * p.S / score.Score:F1}%")));
        }
    }
}
