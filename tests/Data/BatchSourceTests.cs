using NasiOnnx.Engine;
using NasiOnnx.Engine.Data;

namespace NasiOnnx.Tests.Data;

public class BatchSourceTests
{
    private string _dir = "";

    [SetUp] public void SetUp() => _dir = Directory.CreateTempSubdirectory("nasi-data").FullName;
    [TearDown] public void TearDown() => Directory.Delete(_dir, true);

    [Test]
    public void GaussianBatchesAreAFunctionOfSeedAndStep()
    {
        var a = DataSpec.Open("gaussian", [3, 4, 4], 10, null, null, seed: 7);
        var b = DataSpec.Open("gaussian", [3, 4, 4], 10, null, null, seed: 7);
        var c = DataSpec.Open("gaussian", [3, 4, 4], 10, null, null, seed: 8);
        var x = a.Draw(5, step: 2);
        Assert.That(x.Inputs.Shape, Is.EqualTo(new long[] { 5, 3, 4, 4 }));
        Assert.That(b.Draw(5, step: 2).Inputs.Data, Is.EqualTo(x.Inputs.Data));
        Assert.That(b.Draw(5, step: 2).Labels, Is.EqualTo(x.Labels));
        Assert.That(a.Draw(5, step: 3).Inputs.Data, Is.Not.EqualTo(x.Inputs.Data));
        Assert.That(c.Draw(5, step: 2).Inputs.Data, Is.Not.EqualTo(x.Inputs.Data));
        Assert.That(x.Labels, Has.All.InRange(0, 9));
        var all = a.Draw(4000).Inputs.Data;
        Assert.That(all.Average(v => (double)v), Is.EqualTo(0).Within(0.02));
        Assert.That(all.Average(v => (double)v * v), Is.EqualTo(1).Within(0.03));
    }

    [Test]
    public void GaussianDataRefusesTrueLabels()
    {
        var ex = Assert.Throws<NasiException>(() => DataSpec.Open("gaussian", [3, 4, 4], 10, LabelMode.True, null, 0));
        Assert.That(ex!.Message, Does.Contain("no true labels"));
    }

    [Test]
    public void NpyInputsWithLabelsKeepTrueLabelsAndWalkThroughTheData()
    {
        var x = Path.Combine(_dir, "x.npy");
        var y = Path.Combine(_dir, "y.npy");
        NpyFile.WriteFloat32(x, Enumerable.Range(0, 3 * 2 * 2 * 2).Select(i => (float)i).ToArray(), 3, 2, 2, 2);
        NpyFile.WriteInt64(y, new long[] { 4, 1, 2 }, 3);
        var source = DataSpec.Open(x, [2, 2, 2], 5, null, y, 0);
        Assert.That(source.Labels, Is.EqualTo(LabelMode.True));
        var b0 = source.Draw(2, 0);
        var b1 = source.Draw(2, 1);
        Assert.That(b0.Labels, Is.EqualTo(new long[] { 4, 1 }));
        Assert.That(b1.Labels, Is.EqualTo(new long[] { 2, 4 }), "step 1 continues and wraps around");
        Assert.That(b1.Inputs.Data[0], Is.EqualTo(16f));
        var random = DataSpec.Open(x, [2, 2, 2], 5, LabelMode.Random, y, 0);
        Assert.That(random.Draw(3).Inputs.Data, Is.EqualTo(source.Draw(3).Inputs.Data));
    }

    [Test]
    public void NpyShapeMismatchAndBadLabelsAreNamed()
    {
        var x = Path.Combine(_dir, "x.npy");
        var y = Path.Combine(_dir, "y.npy");
        NpyFile.WriteFloat32(x, new float[2 * 3 * 4 * 4], 2, 3, 4, 4);
        NpyFile.WriteInt64(y, new long[] { 0, 12 }, 2);
        Assert.That(Assert.Throws<NasiException>(() => DataSpec.Open(x, [3, 8, 8], 10, null, null, 0))!.Message,
            Does.Contain("do not fit the model's input [3,8,8]"));
        Assert.That(Assert.Throws<NasiException>(() => DataSpec.Open(x, [3, 4, 4], 10, null, y, 0))!.Message,
            Does.Contain("label 12 of sample 1"));
        Assert.That(Assert.Throws<NasiException>(() => DataSpec.Open("data.txt", [3, 4, 4], 10, null, null, 0))!.Message,
            Does.Contain("expected 'gaussian'"));
    }

    [TestCase(false)]
    [TestCase(true)]
    public void CifarRecordsAreReadAndNormalized(bool cifar100)
    {
        var record = CifarBinary.RecordBytes(cifar100);
        var bytes = new byte[2 * record];
        for (var r = 0; r < 2; r++)
        {
            if (cifar100) bytes[r * record] = 3; // coarse label, ignored
            bytes[r * record + record - 3073] = (byte)(r == 0 ? 7 : 2);
            for (var p = 0; p < 3072; p++) bytes[r * record + record - 3072 + p] = (byte)(p / 1024 * 100); // R=0, G=100, B=200
        }
        var path = Path.Combine(_dir, "batch.bin");
        File.WriteAllBytes(path, bytes);
        var source = DataSpec.Open((cifar100 ? "cifar100:" : "cifar10:") + path, [3, 32, 32], cifar100 ? 100 : 10, null, null, 0);
        var batch = source.Draw(2);
        Assert.That(batch.Labels, Is.EqualTo(new long[] { 7, 2 }));
        var (mean, std) = cifar100 ? (0.4865, 0.2564) : (0.4822, 0.2435);
        Assert.That(batch.Inputs.Data[1024 + 5], Is.EqualTo((100 / 255.0 - mean) / std).Within(1e-5), "green plane");

        File.WriteAllBytes(path, bytes.AsSpan(0, record + 5).ToArray());
        Assert.That(Assert.Throws<NasiException>(() => CifarBinary.Read([path], cifar100))!.Message,
            Does.Contain("not a whole number"));
    }
}
