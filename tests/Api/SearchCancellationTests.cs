using NasiOnnx.Engine.Runtime;
using NasiOnnx.Engine.Search;
using NasiOnnx.Models.Api;
using NasiOnnx.Models.Nb201;
using NasiOnnx.Models.Spaces;

namespace NasiOnnx.Tests.Api;

public class SearchCancellationTests
{
    private static readonly Nb201SearchSpace Space = new(TinyApi.Nb201, TinyApi.Nb201);

    private static NasiSearchOptions Options(int samples) => new()
    {
        Samples = samples,
        BatchSize = 4,
        CalibrationSamples = 2,
        Seed = 5,
        Runtime = new RuntimeOptions { Provider = ExecutionProvider.Cpu, IntraOpThreads = 1 },
    };

    /// <summary>Calls back on the reporting thread: <see cref="Progress{T}"/> would post to the thread pool and lag.</summary>
    private sealed class Inline<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }

    [Test]
    public async Task CancellingFromTheProgressCallbackStopsTheSearchPromptly()
    {
        using var cts = new CancellationTokenSource();
        var reports = new List<int>();
        var progress = new Inline<NasiSearchProgress>(p =>
        {
            lock (reports) reports.Add(p.Done);
            if (p.Done == 2) cts.Cancel();
        });

        await Assert.ThrowsAsync(Is.InstanceOf<OperationCanceledException>(),
            () => Nasi.SearchAsync(Space, Options(50), progress: progress, cancellationToken: cts.Token));
        Assert.That(reports, Is.EqualTo(new[] { 1, 2 }), "no sample after the one whose report cancelled");
    }

    [Test]
    public async Task AnUncancelledSearchDerivesACellOfTheSpace()
    {
        var reports = 0;
        var outcome = await Nasi.SearchAsync(Space, Options(3), progress: new Inline<NasiSearchProgress>(_ => Interlocked.Increment(ref reports)));
        Assert.That(reports, Is.EqualTo(3));
        Assert.That(outcome.Space, Is.EqualTo("nb201"));
        Assert.That(Nb201Cell.Parse(outcome.Architecture).ToString(), Is.EqualTo(outcome.Architecture));
        Assert.That(outcome.Scores, Has.Count.EqualTo(3));
        Assert.That(outcome.Alpha.Values.Single(), Has.Length.EqualTo(Nb201Cell.EdgeCount * 5));
    }
}
