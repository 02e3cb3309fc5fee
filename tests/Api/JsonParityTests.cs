using System.Text.Json.Nodes;
using NasiOnnx.Engine;
using NasiOnnx.Engine.Scoring;
using NasiOnnx.Models.Api;
using NasiOnnx.Tests.Tools;

namespace NasiOnnx.Tests.Api;

public class JsonParityTests
{
    /// <summary>Wall-clock fields: the only ones two runs of the same score may disagree on.</summary>
    private static readonly string[] Timings = ["seconds", "buildSeconds", "runSeconds"];

    [Test]
    public void TheLibrarysScoreSerializesToWhatNasiScoreJsonPrints()
    {
        var cli = Cli.Run("score", "--arch", TinyApi.Cell, "-C", "4", "-N", "1", "--input-size", "8", "--seed", "3",
            "--batch", "4", "--metric", "nasi,ntk", "--probes", "4", "--provider", "cpu", "--threads", "1", "--json");
        Assert.That(cli.ExitCode, Is.EqualTo(0), cli.Err);

        var options = TinyApi.Scoring with
        {
            Metrics = [Metric.Nasi, Metric.Ntk],
            Ntk = TinyApi.Scoring.Ntk with { Probes = 4, Provider = Engine.Runtime.ExecutionProvider.Cpu },
        };
        var library = NasiJson.Serialize(Nasi.Score(ModelSource.Nb201(TinyApi.Cell, TinyApi.Nb201), options));

        var expected = WithoutTimings(JsonNode.Parse(cli.Out)!);
        var actual = WithoutTimings(JsonNode.Parse(library)!);
        Assert.That(expected["nasi"]?["score"]?.GetValue<double>(), Is.GreaterThan(0), cli.Out);
        Assert.That(expected["ntk"]?["trace"]?.GetValue<double>(), Is.GreaterThan(0), cli.Out);
        Assert.That(JsonNode.DeepEquals(actual, expected), Is.True, $"library:\n{actual}\ncli:\n{expected}");
    }

    private static JsonNode WithoutTimings(JsonNode node)
    {
        if (node is JsonObject o)
        {
            foreach (var name in Timings) o.Remove(name);
            foreach (var (_, child) in o) if (child is not null) WithoutTimings(child);
        }
        return node;
    }
}
