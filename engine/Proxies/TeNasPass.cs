using MathNet.Numerics.LinearAlgebra;
using NasiOnnx.Engine.Autodiff;
using NasiOnnx.Engine.Graphs;
using NasiOnnx.Engine.Runtime;
using NasiOnnx.Engine.Scoring;

namespace NasiOnnx.Engine.Proxies;

/// <summary>
/// TE-NAS's trainability term (Chen et al., ICLR 2021; VITA-Group/TENAS <c>get_ntk_n</c>): on its 16-sample batch
/// (the first 16 of ours), batch-statistics BatchNorm, the gradient of each sample's summed logits Σ_c f_c(x_i) with
/// respect to every weight (the parameters whose PyTorch name holds "weight": Conv, Linear and BatchNorm scales),
/// the Gram matrix of those 16 rows, and its condition number λ_max/λ_min. Exact: one backward pass per sample.
/// </summary>
public sealed class TeNasPass
{
    /// <summary>TE-NAS's <c>--batch_size</c> for the NTK.</summary>
    public const int Samples = 16;

    /// <summary>Where λ_min ≤ this fraction of λ_max the matrix is numerically singular: the condition number is
    /// reported as 1/<see cref="Singular"/> (TE-NAS divides by whatever λ_min comes out).</summary>
    public const double Singular = 1e-12;

    private TeNasPass(double condition, double[] eigenvalues, string provider)
    {
        Condition = condition;
        Eigenvalues = eigenvalues;
        Provider = provider;
    }

    public double Condition { get; }

    /// <summary>The Gram matrix's eigenvalues, ascending.</summary>
    public double[] Eigenvalues { get; }

    public string Provider { get; }

    public static TeNasPass Run(PassInputs inputs, StaticPass model)
    {
        var graph = inputs.Model.Graph;
        var parameters = model.Parameters.Names.ToHashSet(StringComparer.Ordinal);
        var weights = model.Layers.Select(l => l.Weight)
            .Concat(graph.Node.Where(n => n.OpType == "BatchNormalization" && parameters.Contains(n.Input[1])).Select(n => n.Input[1]))
            .Distinct().ToList();
        if (weights.Count == 0) throw new MetricUnavailableException("the model has no weights");
        var x = inputs.Batch.Inputs;
        var m = (int)Math.Min(Samples, x.Shape[0]);
        long[] shape = [m, .. x.Shape[1..]];
        var first = new Tensor(x.Data[..(int)Tensor.Count(shape)], shape);
        var output = inputs.Signature.Output;
        var gradient = Vjp.Build(inputs.Model, [GradientSeed.FromInput(output)], new Dictionary<string, long[]> { [inputs.Signature.Input] = shape }, weights);
        using var session = SessionFactory.Create(gradient.Model, inputs.Options.Runtime);
        var n = inputs.Signature.Classes;
        var names = weights.Select(w => gradient.Gradients[w]).ToList();
        var rows = new float[m][];
        for (var i = 0; i < m; i++)
        {
            inputs.CancellationToken.ThrowIfCancellationRequested();
            var seed = Tensor.Zeros(m, n);
            for (var c = 0; c < n; c++) seed.Data[i * n + c] = 1;
            var grads = session.Run(new Dictionary<string, Tensor> { [inputs.Signature.Input] = first, [gradient.SeedInputs[output]] = seed }, null, names);
            rows[i] = grads.SelectMany(g => g.Data).ToArray();
        }
        var gram = Matrix<double>.Build.Dense(m, m, (a, b) => Dot(rows[a], rows[b]));
        var eigen = gram.Evd(Symmetricity.Symmetric).EigenValues.Select(z => z.Real).Order().ToArray();
        var (min, max) = (eigen[0], eigen[^1]);
        var condition = max > 0 && min > Singular * max ? max / min : 1 / Singular;
        return new TeNasPass(condition, eigen, session.Provider);
    }

    private static double Dot(float[] a, float[] b)
    {
        double s = 0;
        for (var i = 0; i < a.Length; i++) s += (double)a[i] * b[i];
        return s;
    }
}
