using NasiOnnx.Engine;
using NasiOnnx.Engine.Data;

namespace NasiOnnx.Tests.Data;

public class NpyFileTests
{
    private string _dir = "";

    [SetUp] public void SetUp() => _dir = Directory.CreateTempSubdirectory("nasi-npy").FullName;
    [TearDown] public void TearDown() => Directory.Delete(_dir, true);

    [Test]
    public void Float32AndInt64RoundTrip()
    {
        var f = Path.Combine(_dir, "x.npy");
        NpyFile.WriteFloat32(f, new float[] { 1.5f, -2f, 3.25f, 0f, 1e-7f, 7f }, 2, 3);
        var a = NpyFile.Read(f);
        Assert.That(a.Dtype, Is.EqualTo("<f4"));
        Assert.That(a.Shape, Is.EqualTo(new long[] { 2, 3 }));
        Assert.That(a.Values, Is.EqualTo(new double[] { 1.5, -2, 3.25, 0, 1e-7f, 7 }));

        var l = Path.Combine(_dir, "y.npy");
        NpyFile.WriteInt64(l, new long[] { 3, 0, 9 }, 3);
        var b = NpyFile.Read(l);
        Assert.That((b.Dtype, b.Shape, b.Values), Is.EqualTo(("<i8", new long[] { 3 }, new double[] { 3, 0, 9 })));
        Assert.That(new FileInfo(l).Length % 64, Is.EqualTo((8 * 3) % 64), "header is padded to 64 bytes as NumPy does");
    }

    [TestCase(new byte[] { 1, 2, 3 }, "bad magic")]
    [TestCase(new byte[] { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0, 200, 0 }, "truncated .npy header")]
    public void MalformedFilesAreNamed(byte[] bytes, string expected)
    {
        var ex = Assert.Throws<NasiException>(() => NpyFile.Parse(bytes, "bad.npy"));
        Assert.That(ex!.Message, Does.StartWith("bad.npy: ").And.Contain(expected));
    }

    [Test]
    public void TruncatedDataIsRefused()
    {
        var f = Path.Combine(_dir, "x.npy");
        NpyFile.WriteFloat32(f, new float[12], 3, 4);
        var bytes = File.ReadAllBytes(f);
        var ex = Assert.Throws<NasiException>(() => NpyFile.Parse(bytes.AsSpan(0, bytes.Length - 4), "cut.npy"));
        Assert.That(ex!.Message, Does.Contain("truncated data"));
    }
}
