namespace NasiOnnx.Engine.Data;

/// <summary>
/// The CIFAR-10/100 binary format (<c>data_batch_*.bin</c>, <c>train.bin</c>): per record the label byte(s)
/// (CIFAR-100: coarse then fine) and 3072 bytes of RGB planes; normalized with the usual per-channel mean/std.
/// </summary>
public static class CifarBinary
{
    private const int ImageBytes = 3 * 32 * 32;
    private static readonly float[] Cifar10Mean = [0.4914f, 0.4822f, 0.4465f], Cifar10Std = [0.2470f, 0.2435f, 0.2616f];
    private static readonly float[] Cifar100Mean = [0.5071f, 0.4865f, 0.4409f], Cifar100Std = [0.2673f, 0.2564f, 0.2762f];

    public static int RecordBytes(bool cifar100) => (cifar100 ? 2 : 1) + ImageBytes;

    /// <summary>Reads every record of the files: inputs [n,3,32,32] normalized, and labels (CIFAR-100: fine).</summary>
    public static (Graphs.Tensor Inputs, long[] Labels) Read(IReadOnlyList<string> paths, bool cifar100)
    {
        var record = RecordBytes(cifar100);
        var chunks = new List<byte[]>();
        foreach (var path in paths)
        {
            byte[] bytes;
            try { bytes = File.ReadAllBytes(path); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new NasiException($"{path}: cannot read the file ({e.Message})", e);
            }
            if (bytes.Length == 0 || bytes.Length % record != 0)
                throw new NasiException($"{path}: {bytes.Length} bytes is not a whole number of {(cifar100 ? "CIFAR-100" : "CIFAR-10")} records ({record} bytes each)");
            chunks.Add(bytes);
        }
        var n = chunks.Sum(c => c.Length / record);
        var inputs = new float[(long)n * ImageBytes];
        var labels = new long[n];
        var (mean, std) = cifar100 ? (Cifar100Mean, Cifar100Std) : (Cifar10Mean, Cifar10Std);
        var maxLabel = cifar100 ? 99 : 9;
        var i = 0;
        foreach (var bytes in chunks)
            for (var r = 0; r < bytes.Length; r += record, i++)
            {
                var label = bytes[r + record - ImageBytes - 1];
                if (label > maxLabel) throw new NasiException($"record {i}: label {label} is out of range 0..{maxLabel}; is this the right CIFAR variant?");
                labels[i] = label;
                var pixels = bytes.AsSpan(r + record - ImageBytes, ImageBytes);
                var dst = inputs.AsSpan(i * ImageBytes, ImageBytes);
                for (var p = 0; p < ImageBytes; p++)
                {
                    var c = p / 1024;
                    dst[p] = (pixels[p] / 255f - mean[c]) / std[c];
                }
            }
        return (new Graphs.Tensor(inputs, [n, 3, 32, 32]), labels);
    }
}
