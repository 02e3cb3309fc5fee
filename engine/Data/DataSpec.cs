using NasiOnnx.Engine.Graphs;

namespace NasiOnnx.Engine.Data;

/// <summary>
/// Opens a batch source from the command line's words: <c>gaussian</c>, a <c>.npy</c> file of float32 inputs
/// shaped as the model's (labels from a second .npy of integers), or CIFAR binaries as <c>cifar10:PATH[,PATH…]</c> /
/// <c>cifar100:PATH[,PATH…]</c> (NCHW, or NHWC for a model whose input is [N, 32, 32, 3]).
/// </summary>
public static class DataSpec
{
    public const string Gaussian = "gaussian";

    /// <summary>Spatially correlated Gaussian images (<see cref="SmoothGaussianSource"/>), <c>smooth:PASSES</c> to choose the blur.</summary>
    public const string Smooth = "smooth";

    /// <param name="spec">The data words.</param>
    /// <param name="sampleShape">The model's input shape without the batch dimension.</param>
    /// <param name="classes">The model's class count.</param>
    /// <param name="labels">Label mode; null = true labels where the data has them, else random.</param>
    /// <param name="labelFile">A .npy of integer labels for a .npy input file.</param>
    /// <param name="seed">Seed of the Gaussian inputs and random labels.</param>
    public static BatchSource Open(string spec, long[] sampleShape, int classes, LabelMode? labels, string? labelFile, ulong seed)
    {
        if (spec.Equals(Gaussian, StringComparison.OrdinalIgnoreCase))
        {
            if (labels == LabelMode.True)
                throw new NasiException("gaussian data has no true labels: use --labels random, or real data with --data");
            return new GaussianSource(sampleShape, classes, seed);
        }
        if (spec.Equals(Smooth, StringComparison.OrdinalIgnoreCase) || spec.StartsWith(Smooth + ":", StringComparison.OrdinalIgnoreCase))
        {
            if (labels == LabelMode.True)
                throw new NasiException("smooth data has no true labels: use --labels random, or real data with --data");
            var blurs = SmoothGaussianSource.DefaultBlurs;
            if (spec.Length > Smooth.Length && !int.TryParse(spec[(Smooth.Length + 1)..], out blurs))
                throw new NasiException($"--data '{spec}': expected smooth or smooth:PASSES (an integer)");
            return new SmoothGaussianSource(sampleShape, classes, seed, blurs);
        }

        Tensor inputs;
        long[]? trueLabels = null;
        string description;
        var wholeBatch = false;
        if (spec.StartsWith("cifar10:", StringComparison.OrdinalIgnoreCase) || spec.StartsWith("cifar100:", StringComparison.OrdinalIgnoreCase))
        {
            var cifar100 = spec.StartsWith("cifar100:", StringComparison.OrdinalIgnoreCase);
            var paths = spec[(spec.IndexOf(':') + 1)..].Split(',', StringSplitOptions.RemoveEmptyEntries);
            if (paths.Length == 0) throw new NasiException($"--data {spec}: name at least one CIFAR binary file after the colon");
            (inputs, trueLabels) = CifarBinary.Read(paths, cifar100);
            description = cifar100 ? "cifar100" : "cifar10";
            if (sampleShape is [32, 32, 3]) inputs = ToChannelsLast(inputs); // a Keras model's NHWC input
        }
        else if (spec.EndsWith(".npy", StringComparison.OrdinalIgnoreCase))
        {
            var array = NpyFile.Read(spec);
            if (array.Shape.Length < 2)
                throw new NasiException($"{spec}: inputs must be an array of samples (NCHW), got shape [{string.Join(",", array.Shape)}]");
            inputs = new Tensor(array.Values.Select(v => (float)v).ToArray(), array.Shape);
            description = Path.GetFileName(spec);
            wholeBatch = true; // a .npy is a batch: its n samples are scored together (BatchSize.Resolve)
            if (labelFile is not null)
            {
                var l = NpyFile.Read(labelFile);
                if (l.Shape.Length != 1 || l.Dtype.Contains('f'))
                    throw new NasiException($"{labelFile}: labels must be a 1-D integer array, got {l.Dtype} [{string.Join(",", l.Shape)}]");
                trueLabels = l.Values.Select(v => (long)v).ToArray();
            }
        }
        else
        {
            throw new NasiException($"--data '{spec}': expected 'gaussian', 'smooth', a .npy file, or cifar10:PATH / cifar100:PATH");
        }

        if (!inputs.Shape[1..].SequenceEqual(sampleShape))
            throw new NasiException($"{description}: samples of shape [{string.Join(",", inputs.Shape[1..])}] do not fit the model's input [{string.Join(",", sampleShape)}]");
        return new ArraySource(inputs, trueLabels, classes, labels ?? (trueLabels is null ? LabelMode.Random : LabelMode.True), seed, description, wholeBatch);
    }

    /// <summary>[n, C, H, W] → [n, H, W, C].</summary>
    private static Tensor ToChannelsLast(Tensor nchw)
    {
        var (n, c, h, w) = ((int)nchw.Shape[0], (int)nchw.Shape[1], (int)nchw.Shape[2], (int)nchw.Shape[3]);
        var data = new float[nchw.Data.Length];
        for (var i = 0; i < n; i++)
        for (var y = 0; y < h; y++)
        for (var x = 0; x < w; x++)
        for (var k = 0; k < c; k++)
            data[((i * h + y) * w + x) * c + k] = nchw.Data[((i * c + k) * h + y) * w + x];
        return new Tensor(data, [n, h, w, c]);
    }
}
