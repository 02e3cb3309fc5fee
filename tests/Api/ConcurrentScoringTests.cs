using NasiOnnx.Engine.Runtime;
using NasiOnnx.Engine.Scoring;
using NasiOnnx.Models.Api;

namespace NasiOnnx.Tests.Api;

public class ConcurrentScoringTests
{
    private static readonly string[] Cells =
    [
        TinyApi.Cell,
        "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|",
        "|nor_conv_1x1~0|+|avg_pool_3x3~0|skip_connect~1|+|nor_conv_1x1~0|nor_conv_3x3~1|skip_connect~2|",
        "|skip_connect~0|+|nor_conv_3x3~0|none~1|+|nor_conv_1x1~0|avg_pool_3x3~1|nor_conv_3x3~2|",
        "|avg_pool_3x3~0|+|nor_conv_1x1~0|nor_conv_1x1~1|+|nor_conv_3x3~0|skip_connect~1|nor_conv_1x1~2|",
    ];

    [Test]
    public async Task ScoresFromManyThreadsAtOnceEqualTheSequentialScoresExactly()
    {
        // NASI and the NTK both run, so both code paths share nothing across concurrent calls.
        var options = TinyApi.Scoring with { Metrics = [Metric.Nasi, Metric.Ntk], Ntk = TinyApi.Scoring.Ntk with { Probes = 4, Workers = 1, Provider = ExecutionProvider.Cpu } };
        var sources = Cells.Select(c => ModelSource.Nb201(c, TinyApi.Nb201)).ToList();
        var sequential = sources.Select(s => Nasi.Score(s, options)).ToList();

        // Twice each model, all at once: the same model scored concurrently must not interfere with itself either.
        var concurrent = await Task.WhenAll(sources.Concat(sources).Select(s => Nasi.ScoreAsync(s, options)));

        Assert.That(sequential.Select(s => s.Nasi!.Score).Distinct().Count(), Is.EqualTo(Cells.Length), "the cells differ, so must their scores");
        for (var i = 0; i < concurrent.Length; i++)
        {
            var expected = sequential[i % sources.Count];
            Assert.That(concurrent[i].Model, Is.EqualTo(expected.Model));
            Assert.That(concurrent[i].Nasi, Is.EqualTo(expected.Nasi! with { BuildSeconds = concurrent[i].Nasi!.BuildSeconds, RunSeconds = concurrent[i].Nasi!.RunSeconds }), expected.Model);
            Assert.That(concurrent[i].Ntk!.Trace, Is.EqualTo(expected.Ntk!.Trace), expected.Model);
            Assert.That(concurrent[i].Ntk!.StandardError, Is.EqualTo(expected.Ntk!.StandardError), expected.Model);
        }
    }
}
