using Microsoft.ML.OnnxRuntime;
using NasiOnnx.Engine.Graphs;
using NasiOnnx.Engine.Runtime;

namespace NasiOnnx.Engine.Ntk;

/// <summary>
/// J v by finite differences, (f(θ + h v) − f(θ − h v)) / 2h (or one-sided, see <see cref="DifferenceScheme"/>),
/// for every sample and logit at once: forward passes only, no gradient graph, so it works for any op ONNX Runtime can run. The parameters are graph inputs
/// backed by pinned arrays that are overwritten in place between runs; no session is ever rebuilt.
/// </summary>
public sealed class FiniteDifferenceJvp : IJacobianProduct, IDisposable
{
    /// <summary>
    /// Default ‖h v‖. The step is fixed in parameter space rather than relative to ‖θ‖ because the error
    /// sources are: float32 round-off of θ ± h v (each entry moves by ‖hv‖/√P, which must stay well above
    /// ulp(θᵢ) ≈ 1e-8·|θᵢ|) and curvature (ReLU kinks crossed, BatchNorm batch statistics), which grows with
    /// ‖hv‖ itself, not with ‖hv‖/‖θ‖. On NAS-Bench-201 nets ‖J v‖² is flat within ~1 % for ‖hv‖ in
    /// [1e-3, 1e-1] and round-off dominates below ~1e-4 (docs/ONNX-RUNTIME.md); 1e-2 is that range's
    /// geometric middle. ‖θ‖ of such nets is O(10–100), so a relative rule would land outside the range.
    /// </summary>
    public const double DefaultStep = 1e-2;

    private readonly Session _session;
    private readonly string[] _inputNames;
    private readonly OrtValue[] _inputs;
    private readonly string[] _outputNames;
    private readonly float[][] _buffers;
    private readonly IReadOnlyList<ParameterSlot> _slots;
    private readonly float[] _theta;
    private readonly float[] _plus;
    private readonly float[] _base;

    /// <summary>
    /// Opens one session for <paramref name="model"/> on the batch <paramref name="inputs"/> ([b, …]); the
    /// session and its pinned copies of θ and of the batch belong to this object.
    /// </summary>
    public FiniteDifferenceJvp(ParameterizedModel model, Tensor inputs, RuntimeOptions runtime, double step = DefaultStep,
        DifferenceScheme scheme = DifferenceScheme.Central)
    {
        if (!(step > 0) || double.IsInfinity(step))
            throw new NasiException($"Step ‖h v‖ = {step}: must be a positive finite number.");
        if (inputs.Shape.Length == 0 || inputs.Shape[0] < 1)
            throw new NasiException($"Input batch of shape [{string.Join(",", inputs.Shape)}]: needs a batch dimension of at least 1.");
        if (!Enum.IsDefined(scheme)) throw new NasiException($"Difference scheme {(int)scheme}: not a scheme.");
        Step = step;
        Scheme = scheme;
        BatchSize = (int)inputs.Shape[0];
        Parameters = model.Count;
        _slots = model.Parameters;
        _theta = model.InitialValues;
        _outputNames = [model.Output];
        _session = SessionFactory.Create(model.Bytes, runtime, model.Model.Graph.Name);
        var values = new List<OrtValue>();
        try
        {
            values.Add(OrtValue.CreateTensorValueFromMemory(inputs.Data, inputs.Shape));
            _buffers = new float[_slots.Count][];
            for (var i = 0; i < _slots.Count; i++)
            {
                var s = _slots[i];
                _buffers[i] = _theta.AsSpan(s.Offset, s.Length).ToArray();
                values.Add(OrtValue.CreateTensorValueFromMemory(_buffers[i], s.Dims));
            }
            _inputs = values.ToArray();
            _inputNames = [model.DataInput, .. _slots.Select(s => s.Name)];
            _base = Forward();
            _plus = new float[_base.Length];
        }
        catch
        {
            foreach (var v in values) v.Dispose();
            _session.Dispose();
            throw;
        }
        if (_base.Length == 0 || _base.Length % BatchSize != 0)
        {
            Dispose();
            throw new GraphException(
                $"Graph '{model.Model.Graph.Name}': output '{model.Output}' has {_base.Length} values, not a multiple of the batch size {BatchSize}.");
        }
        Outputs = _base.Length / BatchSize;
    }

    /// <summary>‖h v‖: h is chosen per direction as Step / ‖v‖.</summary>
    public double Step { get; }

    public DifferenceScheme Scheme { get; }

    public int Parameters { get; }
    public int BatchSize { get; }
    public int Outputs { get; }
    public string Provider => _session.Provider;

    /// <summary>f(θ) for the batch, flat [b, n].</summary>
    public float[] Forward()
    {
        using var outputs = _session.Run(_inputNames, _inputs, _outputNames);
        return outputs[0].GetTensorDataAsSpan<float>().ToArray();
    }

    public void Multiply(ReadOnlySpan<float> direction, Span<double> result)
    {
        if (direction.Length != Parameters)
            throw new NasiException($"Direction of length {direction.Length}: the model has {Parameters} parameters.");
        if (result.Length != BatchSize * Outputs)
            throw new NasiException($"Result of length {result.Length}: J v has {BatchSize * Outputs} entries.");
        var norm = Math.Sqrt(SumOfSquares(direction));
        if (norm == 0)
        {
            result.Clear();
            return;
        }
        var h = Step / norm;
        try
        {
            Perturb(direction, h);
            if (Scheme == DifferenceScheme.Forward)
            {
                using var plus = _session.Run(_inputNames, _inputs, _outputNames);
                Difference(plus[0].GetTensorDataAsSpan<float>(), _base, 1 / h, result);
                return;
            }
            RunInto(_plus);
            Perturb(direction, -h);
            using var outputs = _session.Run(_inputNames, _inputs, _outputNames);
            Difference(_plus, outputs[0].GetTensorDataAsSpan<float>(), 1 / (2 * h), result);
        }
        finally
        {
            // Restore θ from the saved copy, never by undoing the step: float32 would drift probe by probe.
            for (var i = 0; i < _slots.Count; i++) _theta.AsSpan(_slots[i].Offset, _slots[i].Length).CopyTo(_buffers[i]);
        }
    }

    private void Perturb(ReadOnlySpan<float> direction, double h)
    {
        for (var i = 0; i < _slots.Count; i++)
        {
            var s = _slots[i];
            var buffer = _buffers[i];
            var theta = _theta.AsSpan(s.Offset, s.Length);
            var v = direction.Slice(s.Offset, s.Length);
            for (var j = 0; j < buffer.Length; j++) buffer[j] = (float)(theta[j] + h * v[j]);
        }
    }

    private static void Difference(ReadOnlySpan<float> a, ReadOnlySpan<float> b, double scale, Span<double> result)
    {
        for (var i = 0; i < result.Length; i++) result[i] = ((double)a[i] - b[i]) * scale;
    }

    private void RunInto(float[] target)
    {
        using var outputs = _session.Run(_inputNames, _inputs, _outputNames);
        outputs[0].GetTensorDataAsSpan<float>().CopyTo(target);
    }

    private static double SumOfSquares(ReadOnlySpan<float> v)
    {
        double sum = 0;
        foreach (var x in v) sum += (double)x * x;
        return sum;
    }

    public void Dispose()
    {
        foreach (var v in _inputs) v.Dispose();
        _session.Dispose();
    }
}
