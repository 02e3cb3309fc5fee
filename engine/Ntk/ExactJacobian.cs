using System.Diagnostics;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;
using NasiOnnx.Engine.Autodiff;
using NasiOnnx.Engine.Graphs;
using NasiOnnx.Engine.Runtime;
using Onnx;

namespace NasiOnnx.Engine.Ntk;

/// <summary>
/// The per-sample Jacobian J = ∂f(X)/∂θ exactly, one row per (sample, logit), from backward passes through the
/// gradient graph seeded with one-hot cotangents. Samples stay coupled through batch-statistics BatchNorm, as in the
/// forward pass: row (i, c) is the gradient of logit c of sample i with the whole batch in the graph. It costs b·n
/// backward passes and b·n·|θ| floats, so it is the reference for small batches, and an
/// <see cref="IJacobianProduct"/> so the estimators can run on it with the same probes.
/// </summary>
public sealed class ExactJacobian : IJacobianProduct
{
    private readonly float[][] _rows;

    public int Parameters { get; }
    public int BatchSize { get; }
    public int Outputs { get; }
    public string Provider { get; }
    public double Seconds { get; }

    private ExactJacobian(float[][] rows, int parameters, int batch, int outputs, string provider, double seconds)
    {
        _rows = rows; Parameters = parameters; BatchSize = batch; Outputs = outputs; Provider = provider; Seconds = seconds;
    }

    /// <summary>Row (i, c) of J, parameters in <see cref="ParameterSet"/> order (as the probes lay them out).</summary>
    public ReadOnlySpan<float> Row(int sample, int logit) => _rows[sample * Outputs + logit];

    /// <param name="model">A classifier: first non-initializer input the data, first output the logits.</param>
    /// <param name="inputs">The batch [b, …].</param>
    /// <param name="runtime">Provider and threads.</param>
    /// <param name="maxFloats">Refuse when b·n·|θ| exceeds this (the rows are kept in memory).</param>
    public static ExactJacobian Compute(ModelProto model, Tensor inputs, RuntimeOptions runtime, long maxFloats = 1L << 28)
    {
        var clock = Stopwatch.StartNew();
        var signature = ModelSignature.Of(model, (int)inputs.Shape[0], inputs.Shape[1..]);
        var parameters = ParameterSet.Of(model);
        var b = (int)inputs.Shape[0];
        var n = signature.Classes;
        if ((long)b * n * parameters.Count > maxFloats)
            throw new NasiException($"the exact Jacobian of {b} samples × {n} logits × {parameters.Count:N0} parameters is too large; use a smaller batch or the probe estimate");

        var gradient = Vjp.Build(model, [GradientSeed.FromInput(signature.Output)],
            new Dictionary<string, long[]> { [signature.Input] = signature.InputShape });
        var seedInput = gradient.SeedInputs[signature.Output];
        var outputs = parameters.Names.Select(p => gradient.Gradients[p]).ToList();
        using var session = SessionFactory.Create(gradient.Model, runtime);

        var rows = new float[b * n][];
        var seed = Tensor.Zeros(b, n);
        for (var r = 0; r < b * n; r++)
        {
            Array.Clear(seed.Data);
            seed.Data[r] = 1;
            var grads = session.Run(new Dictionary<string, Tensor> { [signature.Input] = inputs, [seedInput] = seed }, null, outputs);
            var row = new float[parameters.Count];
            var offset = 0;
            foreach (var g in grads)
            {
                g.Data.CopyTo(row, offset);
                offset += g.Data.Length;
            }
            rows[r] = row;
        }
        return new ExactJacobian(rows, (int)parameters.Count, b, n, session.Provider, clock.Elapsed.TotalSeconds);
    }

    /// <summary>T = Σ_x ‖∂f(x)/∂θ‖²_F = ‖J‖²_F, summed in double.</summary>
    public double Trace() => _rows.Sum(r => Metrics.NasiScorer.SumOfSquares(r));

    /// <summary>Θ = J Jᵀ (bn × bn), exactly.</summary>
    public GramMatrix Gram()
    {
        var size = _rows.Length;
        var values = new double[size * size];
        for (var i = 0; i < size; i++)
            for (var j = i; j < size; j++)
                values[i * size + j] = values[j * size + i] = Dot(_rows[i], _rows[j]);
        return new GramMatrix(size, values);
    }

    public void Multiply(ReadOnlySpan<float> direction, Span<double> result)
    {
        if (direction.Length != Parameters) throw new ArgumentException($"direction has {direction.Length} entries, θ has {Parameters}");
        for (var r = 0; r < _rows.Length; r++) result[r] = Dot(_rows[r], direction);
    }

    private static double Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        // Chunks summed in float by SIMD, chunk sums accumulated in double: float32 accuracy per term, no drift.
        double total = 0;
        const int chunk = 4096;
        for (var s = 0; s < a.Length; s += chunk)
        {
            var len = Math.Min(chunk, a.Length - s);
            total += TensorPrimitives.Dot(a.Slice(s, len), b.Slice(s, len));
        }
        return total;
    }
}
