using NasiOnnx.Engine.Metrics;
using NasiOnnx.Engine.Scoring;

namespace NasiOnnx.Engine.Proxies;

/// <summary>
/// NASI's loss-gradient pass, unchanged: <see cref="NasiScorer"/> on the batch gives S and ∇θ mean CE, which
/// grad_norm, snip and ZiCo read too. The scorer stays open so that ZiCo's second batch reuses its session.
/// </summary>
public sealed class GradientPass : IDisposable
{
    private GradientPass(NasiScorer scorer, NasiScore score)
    {
        Scorer = scorer;
        Score = score;
    }

    public NasiScorer Scorer { get; }

    /// <summary>S, the loss and ∇θ L on the batch.</summary>
    public NasiScore Score { get; }

    public static GradientPass Run(PassInputs inputs)
    {
        var scorer = NasiScorer.Create(inputs.Model, inputs.Plan.ModelInputShape, inputs.Options.Runtime);
        try
        {
            return new GradientPass(scorer, inputs.Plan.ScoreNasi(scorer));
        }
        catch
        {
            scorer.Dispose();
            throw;
        }
    }

    /// <summary>∇θ L on the data source's second batch (step 1), through the same session.</summary>
    public NasiScore Second(PassInputs inputs) => inputs.Plan.ScoreNasi(Scorer, inputs.Data.Draw(inputs.Batch.Size, step: 1));

    public void Dispose() => Scorer.Dispose();
}
