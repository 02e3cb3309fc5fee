using NasiOnnx.Engine;
using NasiOnnx.Engine.Costs;
using NasiOnnx.Engine.Init;
using NasiOnnx.Engine.Runtime;
using NasiOnnx.Engine.Search;
using NasiOnnx.Models.Api;
using NasiOnnx.Models.Nb201;
using NasiOnnx.Models.Spaces;

namespace NasiOnnx.Tests.Api;

public class ConstrainedSearchTests
{
    /// <summary>Small networks throughout: the supernet and each sampled cell's evaluation network.</summary>
    private static readonly Nb201SearchSpace Space = new(TinyApi.Nb201, TinyApi.Nb201);

    private static NasiSearchOptions Options(ulong seed, params string[] constraints) => new()
    {
        Samples = 8,
        BatchSize = 4,
        CalibrationSamples = 2,
        Seed = seed,
        Budget = CostBudget.Parse(constraints),
        Runtime = new RuntimeOptions { Provider = ExecutionProvider.Cpu, IntraOpThreads = 1 },
    };

    private static SearchOutcome Search(NasiSearchOptions options) => Nasi.SearchAsync(Space, options).GetAwaiter().GetResult();

    [Test]
    public void AMetricSearchReturnsACellThatMeetsEveryRandomBudget()
    {
        var rng = new Rng(31);
        var cells = Nb201Cell.All().ToArray();
        for (var trial = 0; trial < 6; trial++)
        {
            var (a, b) = (Space.Cost(cells[rng.NextInt(cells.Length)]), Space.Cost(cells[rng.NextInt(cells.Length)]));
            // The objective "params" pulls towards the largest cell: the budget has to hold it back.
            var options = Options((ulong)trial, $"params<={Math.Max(a.Params, b.Params)}", $"flops<={Math.Max(a.Flops, b.Flops)}") with { Objective = "params" };
            var outcome = Search(options);
            Assert.That(options.Budget.IsMetBy(Space.Cost(outcome.Architecture)), Is.True, $"trial {trial}: {outcome.Architecture} breaks {options.Budget}");
            Assert.That(outcome.Cost, Is.EqualTo(Space.Cost(outcome.Architecture)));
            Assert.That(outcome.Evaluated, Is.InRange(2, 8));
            Assert.That(outcome.Constraints, Is.EqualTo(options.Budget.ToString()));
            Assert.That(outcome.Scores.Max(), Is.EqualTo(outcome.Cost!.Params), "the best-scored cell is returned, and params scores its own count");
        }
    }

    [Test]
    public void TheSameSeedGivesTheSameCell()
    {
        var first = Search(Options(3, "params<=150000") with { Objective = "params" });
        var again = Search(Options(3, "params<=150000") with { Objective = "params" });
        Assert.That(again.Architecture, Is.EqualTo(first.Architecture));
        Assert.That(again.Scores, Is.EqualTo(first.Scores));
        var nasi = Search(Options(3, "flops<=3e6") with { Samples = 2 });
        Assert.That(Search(Options(3, "flops<=3e6") with { Samples = 2 }).Architecture, Is.EqualTo(nasi.Architecture));
    }

    [Test]
    public void NasisOwnSearchDerivesAFeasibleCellAndSaysSo()
    {
        var options = Options(1, "params<=8000") with { Samples = 2 };
        var outcome = Search(options);
        Assert.That(options.Budget.IsMetBy(Space.Cost(outcome.Architecture)), Is.True, $"{outcome.Architecture}: {Space.Cost(outcome.Architecture)}");
        Assert.That(outcome.Method, Is.EqualTo("NASI Algorithm 1 + feasible derivation (beyond the paper)"));
        Assert.That(outcome.Architecture, Is.EqualTo(Space.DeriveFeasible(outcome.Alpha, new Feasibility(options.Budget, Space.Cost))));
        Assert.That(Search(options with { Budget = CostBudget.None }).Method, Is.EqualTo("NASI Algorithm 1"));
    }

    [Test]
    public async Task ABudgetNoCellMeetsIsRefusedBeforeTheSearchNamingTheSmallestCost()
    {
        var least = Space.Cost(Space.Cheapest);
        var e = (await Assert.ThrowsAsync<NasiException>(() => Nasi.SearchAsync(Space, Options(0, $"params<={least.Params - 1}") with { Objective = "params" })))!;
        Assert.That(e.Message, Does.Contain($"the smallest params in the space is {least.Params}"));
    }
}
