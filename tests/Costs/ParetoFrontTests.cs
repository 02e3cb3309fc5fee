using NasiOnnx.Engine.Costs;

namespace NasiOnnx.Tests.Costs;

public class ParetoFrontTests
{
    // A hand-made table: a (1, 1), b (2, 3), c (2, 2) dominated by b, d (3, 3) dominated by b, e (4, 5), f (5, 4) by e,
    // g (1, 1) a duplicate of a, h (0.5, NaN) left out.
    private static readonly ParetoPoint[] Table =
    [
        new("a", 1, 1), new("b", 3, 2), new("c", 2, 2), new("d", 3, 3), new("e", 5, 4), new("f", 4, 5), new("g", 1, 1), new("h", double.NaN, 0.5),
    ];

    [Test]
    public void TheFrontIsTheNonDominatedPointsCheapestFirst() =>
        Assert.That(ParetoFront.Of(Table).Select(p => p.Id), Is.EqualTo(new[] { "a", "b", "e" }));

    [Test]
    public void NoPointOfTheFrontIsDominatedAndEveryOtherPointIs()
    {
        var rng = new Random(3);
        var points = Enumerable.Range(0, 300).Select(i => new ParetoPoint($"p{i}", rng.Next(50), rng.Next(50))).ToList();
        var front = ParetoFront.Of(points).ToHashSet();
        static bool Dominates(ParetoPoint x, ParetoPoint y) => x.Score >= y.Score && x.Cost <= y.Cost && (x.Score > y.Score || x.Cost < y.Cost);
        foreach (var p in points)
        {
            var dominated = points.Any(q => Dominates(q, p));
            var duplicateOfAnEarlier = points.TakeWhile(q => q != p).Any(q => q.Score == p.Score && q.Cost == p.Cost);
            Assert.That(front.Contains(p), Is.EqualTo(!dominated && !duplicateOfAnEarlier), p.ToString());
        }
    }

    [Test]
    public void TheHypervolumeIsTheAreaOfTheStaircase()
    {
        // Reference (cost 6, score 0): a covers [1, 2) × 1, b [2, 4) × 3, e [4, 6) × 5 = 1 + 6 + 10.
        Assert.That(ParetoFront.Hypervolume(Table, 6, 0), Is.EqualTo(17));
        // Reference score 2: a adds nothing, b [2, 4) × 1, e [4, 6) × 3.
        Assert.That(ParetoFront.Hypervolume(Table, 6, 2), Is.EqualTo(8));
        Assert.That(ParetoFront.Hypervolume([], 6, 0), Is.EqualTo(0));
    }

    [Test]
    public void TheHypervolumeMatchesAMonteCarloEstimate()
    {
        var rng = new Random(11);
        var points = Enumerable.Range(0, 40).Select(i => new ParetoPoint($"p{i}", rng.NextDouble(), rng.NextDouble())).ToList();
        var hits = 0;
        const int n = 200_000;
        for (var k = 0; k < n; k++)
        {
            double c = rng.NextDouble(), s = rng.NextDouble();
            if (points.Any(p => p.Cost <= c && p.Score >= s)) hits++;
        }
        Assert.That(ParetoFront.Hypervolume(points, 1, 0), Is.EqualTo((double)hits / n).Within(0.005));
    }
}
