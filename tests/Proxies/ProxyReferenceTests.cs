using MathNet.Numerics.LinearAlgebra;
using NasiOnnx.Engine.Data;
using NasiOnnx.Engine.Graphs;
using NasiOnnx.Engine.Proxies;
using NasiOnnx.Engine.Ranking;
using NasiOnnx.Engine.Runtime;
using NasiOnnx.Engine.Scoring;

namespace NasiOnnx.Tests.Proxies;

/// <summary>
/// Every proxy of the table through the engine (ONNX graphs, our gradient rules, ONNX Runtime in float32) against the
/// same proxy computed in float64 on <see cref="TinyBnMlp"/> from its definition, derivatives by central differences:
/// one case per metric, one harness.
/// </summary>
public class ProxyReferenceTests
{
    private const int Batch = 8;
    private static readonly TinyBnMlp Net = new(11);
    private static readonly ScoringOptions Options = new()
    {
        BatchSize = Batch,
        Seed = 5,
        Runtime = new RuntimeOptions { Provider = ExecutionProvider.Cpu, IntraOpThreads = 1 },
    };

    /// <summary>(metric, reference value, relative tolerance).</summary>
    public static IEnumerable<TestCaseData> Cases()
    {
        yield return Case("params", _ => Net.Parameters.Values.Sum(p => p.Length), 0);
        yield return Case("flops", _ => TinyBnMlp.D * TinyBnMlp.H + TinyBnMlp.H * TinyBnMlp.C, 0);
        yield return Case("nasi", r => Net.Parameters.Values.Sum(p => Squares(r.LossGradient(p, r.Batch1))), 1e-4);
        yield return Case("grad_norm", r => Math.Sqrt(Squares(r.LossGradient(Net.W1, r.Batch1))) + Math.Sqrt(Squares(r.LossGradient(Net.W2, r.Batch1))), 1e-4);
        yield return Case("snip", r => AbsDot(Net.W1, r.LossGradient(Net.W1, r.Batch1)) + AbsDot(Net.W2, r.LossGradient(Net.W2, r.Batch1)), 1e-4);
        yield return Case("zico", r => ZicoLayer(r.LossGradient(Net.W1, r.Batch1), r.LossGradient(Net.W1, r.Batch2))
                                       + ZicoLayer(r.LossGradient(Net.W2, r.Batch1), r.LossGradient(Net.W2, r.Batch2)), 1e-3);
        yield return Case("fisher", r => r.Fisher(), 1e-4);
        yield return Case("grasp", r => r.Grasp(), 1e-2);
        yield return Case("jacob_cov", r => JacobCov.Score(r.InputJacobian()), 1e-4);
        yield return Case("synflow", r => r.Synflow(), 1e-5);
        yield return Case("nwot", r => r.Naswot(), 1e-9);
    }

    private static TestCaseData Case(string metric, Func<Reference, double> expected, double tolerance) =>
        new TestCaseData(metric, expected, tolerance).SetName($"{{m}}({metric})");

    [TestCaseSource(nameof(Cases))]
    public void TheEngineMatchesTheFloat64Reference(string metric, Func<Reference, double> expected, double tolerance)
    {
        using var scorer = new ModelScorer(Options with { Metrics = [Metric.Parse(metric)] });
        var row = scorer.Score(new Candidate("tiny", Net.Model), CancellationToken.None);
        Assert.That(row.Status, Is.EqualTo(ScoreRow.Ok), metric);
        var reference = new Reference(scorer);
        var want = expected(reference);
        var got = row.Metric(metric);
        TestContext.Out.WriteLine($"{metric}: engine {got:G10} reference {want:G10}");
        Assert.That(got, Is.EqualTo(want).Within(Math.Max(tolerance * Math.Abs(want), 1e-12)), $"{metric}: engine {got}, float64 reference {want}");
    }

    private static double Squares(double[] a) => a.Sum(v => v * v);

    private static double AbsDot(double[] a, double[] b) => a.Select((v, i) => Math.Abs(v * b[i])).Sum();

    /// <summary>ZiCo's layer term written again from its code: log Σ_{σ≠0} mean|G| / σ(G) over the gradients G the
    /// reference reads after each batch, which accumulate (g₁, then g₁ + g₂).</summary>
    private static double ZicoLayer(double[] g1, double[] g2)
    {
        double sum = 0;
        for (var i = 0; i < g1.Length; i++)
        {
            double a = g1[i], b = g1[i] + g2[i];
            var std = Math.Abs(a - b) / 2;
            if (std > 0) sum += (Math.Abs(a) + Math.Abs(b)) / 2 / std;
        }
        return sum == 0 ? 0 : Math.Log(sum);
    }

    /// <summary>The float64 reference on the scorer's own batches.</summary>
    public sealed class Reference
    {
        public Reference(ModelScorer scorer)
        {
            var source = scorer.OpenData(ModelSignature.Of(Net.Model(), Batch));
            Batch1 = source.Draw(Batch);
            Batch2 = source.Draw(Batch, step: 1);
        }

        public Batch Batch1 { get; }
        public Batch Batch2 { get; }

        private static double[] X(Batch b) => b.Inputs.Data.Select(v => (double)v).ToArray();

        public double[] LossGradient(double[] parameter, Batch batch)
        {
            var x = X(batch);
            return TinyBnMlp.Gradient(parameter, () => TinyBnMlp.Loss(Net.Forward(x, Batch).Logits, batch.Labels));
        }

        /// <summary>Σ over the two Gemm layers and their output channels of ½ mean_n (y ⊙ ∂L/∂y)² · |W|/C_out.</summary>
        public double Fisher()
        {
            var x = X(Batch1);
            var pass = Net.Forward(x, Batch);
            var hiddenShift = new double[Batch * TinyBnMlp.H];
            var logitShift = new double[Batch * TinyBnMlp.C];
            var dh = TinyBnMlp.Gradient(hiddenShift, () => TinyBnMlp.Loss(Net.Forward(x, Batch, hiddenShift, logitShift).Logits, Batch1.Labels));
            var df = TinyBnMlp.Gradient(logitShift, () => TinyBnMlp.Loss(Net.Forward(x, Batch, hiddenShift, logitShift).Logits, Batch1.Labels));
            double Layer(double[] act, double[] grad, int channels, int weights)
            {
                double total = 0;
                for (var k = 0; k < channels; k++)
                {
                    double squares = 0;
                    for (var n = 0; n < Batch; n++) squares += Math.Pow(act[n * channels + k] * grad[n * channels + k], 2);
                    total += 0.5 * squares / Batch * weights / channels;
                }
                return total;
            }
            return Layer(pass.Hidden, dh, TinyBnMlp.H, Net.W1.Length) + Layer(pass.Logits, df, TinyBnMlp.C, Net.W2.Length);
        }

        /// <summary>−Σ W ⊙ H g over W1 and W2, H g the gradient of φ(θ) = gᵀ∇L(θ) (g held fixed), both by differences.</summary>
        public double Grasp()
        {
            var x = X(Batch1);
            double L() => TinyBnMlp.Loss(Net.Forward(x, Batch).Logits, Batch1.Labels);
            var g1 = TinyBnMlp.Gradient(Net.W1, L);
            var g2 = TinyBnMlp.Gradient(Net.W2, L);
            double Phi()
            {
                const double delta = 1e-4;
                void Move(double s) { for (var i = 0; i < g1.Length; i++) Net.W1[i] += s * g1[i]; for (var i = 0; i < g2.Length; i++) Net.W2[i] += s * g2[i]; }
                Move(delta); var up = L();
                Move(-2 * delta); var down = L();
                Move(delta);
                return (up - down) / (2 * delta);
            }
            var h1 = TinyBnMlp.Gradient(Net.W1, Phi, 1e-4);
            var h2 = TinyBnMlp.Gradient(Net.W2, Phi, 1e-4);
            return -(Net.W1.Select((w, i) => w * h1[i]).Sum() + Net.W2.Select((w, i) => w * h2[i]).Sum());
        }

        /// <summary>∂(Σ f)/∂x, every sample and input, through the batch.</summary>
        public Tensor InputJacobian()
        {
            var x = X(Batch1);
            var j = TinyBnMlp.Gradient(x, () => Net.Forward(x, Batch).Logits.Sum());
            return new Tensor(j.Select(v => (float)v).ToArray(), [Batch, TinyBnMlp.D]);
        }

        /// <summary>Σ |W| ⊙ ∂R/∂W with |θ|, BN the identity, one all-ones sample, R = Σ f.</summary>
        public double Synflow()
        {
            var saved = Net.Parameters.ToDictionary(kv => kv.Key, kv => kv.Value.ToArray());
            foreach (var p in Net.Parameters.Values) for (var i = 0; i < p.Length; i++) p[i] = Math.Abs(p[i]);
            try
            {
                var ones = Enumerable.Repeat(1.0, TinyBnMlp.D).ToArray();
                double R() => Net.Forward(ones, 1, batchNorm: false).Logits.Sum();
                var r1 = TinyBnMlp.Gradient(Net.W1, R);
                var r2 = TinyBnMlp.Gradient(Net.W2, R);
                return Net.W1.Select((w, i) => w * r1[i]).Sum() + Net.W2.Select((w, i) => w * r2[i]).Sum();
            }
            finally
            {
                foreach (var (name, values) in saved) values.CopyTo(Net.Parameters[name], 0);
            }
        }

        /// <summary>log|det K|, K_ij = number of ReLU units on which samples i and j agree about x > 0.</summary>
        public double Naswot()
        {
            var z = Net.Forward(X(Batch1), Batch).Normalized;
            var k = Matrix<double>.Build.Dense(Batch, Batch, (i, j) =>
                Enumerable.Range(0, TinyBnMlp.H).Count(u => z[i * TinyBnMlp.H + u] > 0 == z[j * TinyBnMlp.H + u] > 0));
            return Math.Log(Math.Abs(k.Determinant()));
        }
    }
}
