using NasiOnnx.Engine.Search;

namespace NasiOnnx.Tests.Search;

public class RegularizedEvolutionTests
{
    private static string Key(int[] g) => string.Join(',', g);

    /// <summary>R = Σ op over six edges of ops 0..4, feasible when Σ op ≤ 12: the best feasible genomes have Σ = 12.</summary>
    private static IReadOnlyList<(int[] Genome, double R)> Evolve(ulong seed, int evaluations, List<int[]>? scoredLog = null) =>
        RegularizedEvolution.Run([(new[] { 0, 0, 0, 0, 0, 1 }, 1.0), (new[] { 1, 0, 0, 0, 0, 1 }, 2.0)], [0, 1, 2, 3, 4],
            new EvolutionOptions { Evaluations = evaluations, Seed = seed }, Key, g => g.Sum() <= 12,
            g => { scoredLog?.Add(g); return g.Sum(); });

    [Test]
    public void EveryChildIsNewFeasibleAndScoredOnce()
    {
        var log = new List<int[]>();
        var children = Evolve(3, 60, log);
        Assert.Multiple(() =>
        {
            Assert.That(children, Has.Count.EqualTo(60));
            Assert.That(children.Select(c => c.Genome.Sum()), Is.All.LessThanOrEqualTo(12), "feasible");
            Assert.That(children.Select(c => Key(c.Genome)), Is.Unique.And.No.EqualTo("0,0,0,0,0,1").And.No.EqualTo("1,0,0,0,0,1"));
            Assert.That(log, Has.Count.EqualTo(60), "one objective call per child");
            Assert.That(children.Select(c => c.R), Is.EqualTo(children.Select(c => (double)c.Genome.Sum())));
        });
    }

    [Test]
    public void ItClimbsToTheBudgetsEdge() =>
        Assert.That(Evolve(1, 60).Max(c => c.R), Is.EqualTo(12), "from R = 2 to the best feasible value");

    [Test]
    public void TheSameSeedGivesTheSameChildren()
    {
        Assert.That(Evolve(9, 30).Select(c => Key(c.Genome)), Is.EqualTo(Evolve(9, 30).Select(c => Key(c.Genome))));
        Assert.That(Evolve(9, 30).Select(c => Key(c.Genome)), Is.Not.EqualTo(Evolve(10, 30).Select(c => Key(c.Genome))));
    }

    [Test]
    public void ItStopsWhenNoNewFeasibleGenomeIsLeft()
    {
        // Two ops per edge on two edges: four genomes, two of them given.
        var children = RegularizedEvolution.Run([(new[] { 0, 0 }, 0.0), (new[] { 1, 0 }, 1.0)], [0, 1],
            new EvolutionOptions { Evaluations = 10, Seed = 1 }, Key, _ => true, g => g.Sum());
        Assert.That(children.Select(c => Key(c.Genome)), Is.EquivalentTo(new[] { "0,1", "1,1" }));
    }
}
