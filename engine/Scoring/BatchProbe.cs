using NasiOnnx.Engine.Graphs;
using NasiOnnx.Engine.Init;
using NasiOnnx.Engine.Runtime;
using Onnx;

namespace NasiOnnx.Engine.Scoring;

/// <summary>
/// The check a relaxed model must pass before it is scored at another batch size: at batches 2 and 3, identical
/// samples give identical logit rows, each equal to the batch-1 output. Where the model uses no batch statistics,
/// also distinct samples: each row of a batch of two equals that sample's batch-1 output, so no sample leaks into
/// another's row. A rewrite that put the batch in the wrong place fails here (wrong rows or a run-time error).
/// </summary>
public static class BatchProbe
{
    /// <summary>Relative tolerance (of the row's largest logit): batch sizes may change the kernels' summation
    /// order, never more.</summary>
    public const double Tolerance = 1e-4;

    /// <summary>Null when the model passes; else what went wrong.</summary>
    /// <param name="relaxed">The model, its batch symbolic.</param>
    /// <param name="signature">Its input and output.</param>
    /// <param name="batchStatistics">The model normalizes with batch statistics, so distinct samples do affect each other.</param>
    public static string? Check(ModelProto relaxed, ModelSignature signature, bool batchStatistics)
    {
        var sample = (int)Tensor.Count(signature.SampleShape);
        var rng = new Rng(0x5eed);
        var (x1, x2) = (new float[sample], new float[sample]);
        rng.FillGaussian(x1);
        rng.FillGaussian(x2);
        try
        {
            using var session = SessionFactory.Create(relaxed, new RuntimeOptions { Provider = ExecutionProvider.Cpu, IntraOpThreads = 1 });
            float[] Run(params float[][] samples)
            {
                var data = samples.SelectMany(s => s).ToArray();
                var inputs = new Tensor(data, [samples.Length, .. signature.SampleShape]);
                return session.Run(new Dictionary<string, Tensor> { [signature.Input] = inputs }, null, [signature.Output])[0].Data;
            }
            var y1 = Run(x1);
            if (y1.Length == 0 || !y1.All(float.IsFinite)) return "the probe's batch-1 logits are empty or not finite";
            foreach (var b in new[] { 2, 3 })
                if (Rows(Run(Enumerable.Repeat(x1, b).ToArray()), b, y1) is { } bad) return $"at batch {b}, identical samples: {bad}";
            if (!batchStatistics && Rows(Run(x1, x2), 2, y1, Run(x2)) is { } leak) return $"at batch 2, distinct samples: {leak}";
            return null;
        }
        catch (NasiException e)
        {
            return $"the relaxed model does not run at batches 1–3 ({e.Message})";
        }
    }

    /// <summary>Null when <paramref name="y"/> is <paramref name="b"/> rows equal to <paramref name="expected"/>.</summary>
    private static string? Rows(float[] y, int b, params float[][] expected)
    {
        var n = expected[0].Length;
        if (y.Length != b * n) return $"{y.Length} logits instead of {b} rows of {n}";
        for (var r = 0; r < b; r++)
        {
            var e = expected[Math.Min(r, expected.Length - 1)];
            // The floor keeps round-off (a batch mean of identical samples is not exactly the sample) below tolerance
            // where the logits are 0; a misplaced batch moves them by far more.
            var scale = e.Max(v => Math.Abs(v)) + 1e-3;
            for (var c = 0; c < n; c++)
                if (!(Math.Abs(y[r * n + c] - e[c]) <= Tolerance * scale))
                    return $"row {r} differs from its sample's batch-1 output ({y[r * n + c]:G6} vs {e[c]:G6} at logit {c})";
        }
        return null;
    }
}
