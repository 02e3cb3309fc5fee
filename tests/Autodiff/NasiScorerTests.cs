using NasiOnnx.Engine.Autodiff;
using NasiOnnx.Engine.Data;
using NasiOnnx.Engine.Graphs;
using NasiOnnx.Engine.Init;
using NasiOnnx.Engine.Metrics;
using NasiOnnx.Engine.Runtime;

namespace NasiOnnx.Tests.Autodiff;

public class NasiScorerTests
{
    private static Batch RandomBatch(ulong seed, int size = 4)
    {
        var rng = new Rng(seed);
        return new Batch(GradientTestKit.Gaussian(rng, size, 3, 8, 8), GradientTestKit.Labels(rng, size, 10));
    }

    [Test]
    public void ScoreIsTheSquaredNormOfTheReturnedGradientsInDouble()
    {
        var forward = SmallConvNet.Build(batch: 4);
        using var scorer = NasiScorer.Create(forward, [4, 3, 8, 8], GradientTestKit.Cpu);
        var result = scorer.Score(RandomBatch(1));

        double expected = 0;
        foreach (var g in result.Gradients.Values)
            foreach (var v in g.Data) expected += (double)v * v;
        Assert.That(result.Score, Is.EqualTo(expected).Within(1e-12 * expected));
        Assert.That(result.GradientNorm, Is.EqualTo(Math.Sqrt(expected)).Within(1e-12 * Math.Sqrt(expected)));
        Assert.That(result.Score, Is.GreaterThan(0));
        Assert.That(result.Parameters, Is.EqualTo(ParameterSet.Of(forward).Count));
        Assert.That(result.Gradients.Keys, Is.EqualTo(ParameterSet.Of(forward).Names));
        Assert.That(result.Provider, Is.EqualTo("CPU"));
        Assert.That(result.Loss, Is.GreaterThan(0));
    }

    [TestCase(0)]
    [TestCase(1)]
    [TestCase(7)]
    [TestCase(8)]
    [TestCase(9)]
    [TestCase(1_000_003)]
    public void SumOfSquaresIsADoubleSumOfEveryElement(int length)
    {
        // Against a compensated (Kahan) double sum, accurate to a few ulps: a float accumulator misses it by orders of
        // magnitude more over a million terms; the elements past the last whole vector count too.
        var rng = new Rng((ulong)length + 1);
        var values = new float[length];
        for (var i = 0; i < length; i++) values[i] = (float)(rng.NextDouble() - 0.5) * (i % 3 == 0 ? 1e3f : 1e-3f);
        double expected = 0, carry = 0;
        foreach (var v in values)
        {
            var term = (double)v * v - carry;
            var next = expected + term;
            carry = next - expected - term;
            expected = next;
        }
        Assert.That(NasiScorer.SumOfSquares(values), Is.EqualTo(expected).Within(1e-12 * expected));
    }

    [Test]
    public void TheScorerRunsTheLossGradientModelItDescribes()
    {
        // Same loss and gradients as a hand-run LossGradient model, so the FD checks of that model cover S.
        var forward = SmallConvNet.Build(batch: 4);
        var batch = RandomBatch(2);
        using var scorer = NasiScorer.Create(forward, [4, 3, 8, 8], GradientTestKit.Cpu);
        var result = scorer.Score(batch);
        var model = LossGradient.Build(forward, [4, 3, 8, 8]);
        using var session = SessionFactory.Create(model.Model, GradientTestKit.Cpu);
        var outputs = session.Run(new Dictionary<string, Tensor> { ["input"] = batch.Inputs },
            new Dictionary<string, long[]> { ["labels"] = batch.Labels }, [model.Loss!, model.Gradients["fc.w"]]);
        Assert.That(result.Loss, Is.EqualTo(outputs[0].Data[0]));
        Assert.That(result.Gradients["fc.w"].Data, Is.EqualTo(outputs[1].Data));
    }

    [Test]
    public void SameInputsGiveIdenticalScoresAndOtherBatchesOtherScores()
    {
        var forward = SmallConvNet.Build(batch: 4);
        using var scorer = NasiScorer.Create(forward, [4, 3, 8, 8], GradientTestKit.Cpu);
        var first = scorer.Score(RandomBatch(3));
        var again = scorer.Score(RandomBatch(3));
        var other = scorer.Score(RandomBatch(4));
        Assert.That(again.Score, Is.EqualTo(first.Score));
        Assert.That(other.Score, Is.Not.EqualTo(first.Score));
    }

    [Test]
    public void ABatchOfAnotherShapeIsRefusedNamingBothShapes()
    {
        using var scorer = NasiScorer.Create(SmallConvNet.Build(batch: 4), [4, 3, 8, 8], GradientTestKit.Cpu);
        var ex = Assert.Throws<ArgumentException>(() => scorer.Score(RandomBatch(5, size: 2)));
        Assert.That(ex!.Message, Does.Contain("[4,3,8,8]").And.Contain("[2,3,8,8]"));
    }
}
