using NasiOnnx.Engine.Graphs;
using NasiOnnx.Engine.Init;

namespace NasiOnnx.Engine.Data;

/// <summary>
/// Where batches come from. <see cref="Draw"/> is a pure function of (seed, step): the same step gives the same
/// batch, so scores are reproducible and a search's t-th batch does not depend on what ran before it.
/// </summary>
public abstract class BatchSource
{
    protected BatchSource(int classes, LabelMode labels, ulong seed)
    {
        if (classes < 1) throw new NasiException($"classes must be at least 1 (got {classes})");
        Classes = classes;
        Labels = labels;
        Seed = seed;
    }

    public int Classes { get; }
    public LabelMode Labels { get; }
    public ulong Seed { get; }

    /// <summary>The shape of one sample, e.g. [3, 32, 32].</summary>
    public abstract long[] SampleShape { get; }

    /// <summary>A short description for reports: "gaussian", "cifar10 (10000 images)", …</summary>
    public abstract string Description { get; }

    /// <summary>
    /// The sample count of data that is one batch (a .npy file of n samples): it is the batch size unless the
    /// caller asks for another (<see cref="BatchSize.Resolve"/>). Null for data that batches are drawn from
    /// (Gaussian inputs, a CIFAR set).
    /// </summary>
    public virtual int? WholeBatch => null;

    public Batch Draw(int batchSize, int step = 0)
    {
        if (batchSize < 1) throw new NasiException($"batch size must be at least 1 (got {batchSize})");
        var (inputs, labels) = DrawInputs(batchSize, step);
        if (Labels == LabelMode.Random || labels is null)
        {
            var rng = Rng.For(Seed, $"labels/{step}");
            labels = new long[batchSize];
            for (var i = 0; i < batchSize; i++) labels[i] = rng.NextInt(Classes);
        }
        return new Batch(inputs, labels);
    }

    /// <summary>Inputs for a step and their true labels (null when the source has none).</summary>
    protected abstract (Tensor Inputs, long[]? Labels) DrawInputs(int batchSize, int step);
}

/// <summary>I.i.d. N(0, 1) inputs of the network's input shape: NASI's data-agnostic mode. No true labels.</summary>
public sealed class GaussianSource : BatchSource
{
    private readonly long[] _sampleShape;

    public GaussianSource(long[] sampleShape, int classes, ulong seed) : base(classes, LabelMode.Random, seed) =>
        _sampleShape = sampleShape;

    public override long[] SampleShape => _sampleShape;
    public override string Description => "gaussian";

    protected override (Tensor, long[]?) DrawInputs(int batchSize, int step)
    {
        var shape = new[] { (long)batchSize }.Concat(_sampleShape).ToArray();
        var t = Tensor.Zeros(shape);
        Rng.For(Seed, $"inputs/{step}").FillGaussian(t.Data);
        return (t, null);
    }
}

/// <summary>
/// A fixed array of samples (a .npy batch, CIFAR records). Step t takes the samples t·b … t·b+b−1, wrapping
/// around, so successive steps walk through the data.
/// </summary>
public sealed class ArraySource : BatchSource
{
    private readonly Tensor _inputs;
    private readonly long[]? _labels;
    private readonly string _description;
    private readonly bool _wholeBatch;

    /// <summary>The samples; <c>wholeBatch</c>: they are one batch (a .npy file) rather than a data set to draw
    /// from (<see cref="BatchSource.WholeBatch"/>).</summary>
    public ArraySource(Tensor inputs, long[]? labels, int classes, LabelMode mode, ulong seed, string description, bool wholeBatch = false)
        : base(classes, mode, seed)
    {
        if (inputs.Shape.Length < 2) throw new NasiException($"{description}: inputs need a batch dimension and a sample shape (got [{string.Join(",", inputs.Shape)}])");
        if (labels is not null)
        {
            if (labels.Length != inputs.Shape[0])
                throw new NasiException($"{description}: {labels.Length} labels for {inputs.Shape[0]} samples");
            var bad = Array.FindIndex(labels, l => l < 0 || l >= classes);
            if (bad >= 0) throw new NasiException($"{description}: label {labels[bad]} of sample {bad} is outside 0..{classes - 1}");
        }
        else if (mode == LabelMode.True)
            throw new NasiException($"{description}: true labels were asked for but the data has none (give a label file or use random labels)");
        _inputs = inputs;
        _labels = labels;
        _description = description;
        _wholeBatch = wholeBatch;
    }

    public int Count => (int)_inputs.Shape[0];
    public override int? WholeBatch => _wholeBatch ? Count : null;
    public override long[] SampleShape => _inputs.Shape[1..];
    public override string Description => $"{_description} ({Count} samples)";

    protected override (Tensor, long[]?) DrawInputs(int batchSize, int step)
    {
        var sample = (int)Tensor.Count(SampleShape);
        var data = new float[(long)batchSize * sample];
        var labels = _labels is null ? null : new long[batchSize];
        for (var i = 0; i < batchSize; i++)
        {
            var src = (int)(((long)step * batchSize + i) % Count);
            Array.Copy(_inputs.Data, (long)src * sample, data, (long)i * sample, sample);
            if (labels is not null) labels[i] = _labels![src];
        }
        return (new Tensor(data, new[] { (long)batchSize }.Concat(SampleShape).ToArray()), labels);
    }
}
