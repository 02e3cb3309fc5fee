using NasiOnnx.Engine;
using NasiOnnx.Engine.Data;

namespace NasiOnnx.Tests.Data;

/// <summary>A data file of n samples is a batch of n: the batch size comes from it unless the caller says otherwise.</summary>
public class BatchSizeTests
{
    private string _dir = "";

    [SetUp] public void SetUp() => _dir = Directory.CreateTempSubdirectory("nasi-batchsize").FullName;
    [TearDown] public void TearDown() => Directory.Delete(_dir, true);

    private BatchSource Npy(int samples)
    {
        var path = Path.Combine(_dir, "batch.npy");
        NpyFile.WriteFloat32(path, new float[samples * 3 * 4 * 4], samples, 3, 4, 4);
        return DataSpec.Open(path, [3, 4, 4], 10, null, null, 0);
    }

    [Test]
    public void ANpyFileOfNSamplesIsABatchOfN()
    {
        Assert.That(BatchSize.Resolve(null, Npy(8)), Is.EqualTo((8, (string?)null)));
        Assert.That(BatchSize.Resolve(8, Npy(8)), Is.EqualTo((8, (string?)null)), "asking for n is the same");
    }

    [Test]
    public void ABatchAboveTheFilesSampleCountIsAnErrorNamingBoth()
    {
        var ex = Assert.Throws<NasiException>(() => BatchSize.Resolve(64, Npy(8)));
        Assert.That(ex!.Message, Does.Contain("--batch 64").And.Contain("batch of 8").And.Contain("batch.npy"));
    }

    [Test]
    public void ABatchBelowTheFilesSampleCountTakesTheFirstSamplesAndSaysSo()
    {
        var (size, note) = BatchSize.Resolve(3, Npy(8));
        Assert.That(size, Is.EqualTo(3));
        Assert.That(note, Does.Contain("first 3").And.Contain("batch.npy"));
    }

    [Test]
    public void DataThatBatchesAreDrawnFromKeepsTheAskedOrDefaultBatch()
    {
        var gaussian = DataSpec.Open("gaussian", [3, 4, 4], 10, null, null, 0);
        Assert.That(BatchSize.Resolve(null, gaussian), Is.EqualTo((BatchSize.Default, (string?)null)));
        Assert.That(BatchSize.Resolve(5, gaussian), Is.EqualTo((5, (string?)null)));
        Assert.That(gaussian.WholeBatch, Is.Null);
        var cifar = Path.Combine(_dir, "data_batch_1.bin");
        File.WriteAllBytes(cifar, new byte[4 * 3073]);
        var set = DataSpec.Open("cifar10:" + cifar, [3, 32, 32], 10, null, null, 0);
        Assert.That(set.WholeBatch, Is.Null, "a CIFAR file is a data set to draw batches from, not one batch");
        Assert.That(BatchSize.Resolve(null, set).Size, Is.EqualTo(BatchSize.Default));
    }
}
