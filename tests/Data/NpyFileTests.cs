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

    /// <summary>Every dtype the reader takes, from bytes laid out as NumPy writes them (little-endian, version 1.0).</summary>
    [TestCase("<f8", new double[] { 1.5, -2.25, 1e-300 })]
    [TestCase("<f4", new double[] { 1.5, -2.25, 7 })]
    [TestCase("<i4", new double[] { 1, -2, int.MaxValue })]
    [TestCase("<i8", new double[] { 1, -2, 1L << 40 })]
    [TestCase("|u1", new double[] { 0, 200, 255 })]
    [TestCase("|i1", new double[] { 0, -100, 127 })]
    public void EveryDtypeIsRead(string dtype, double[] values)
    {
        var body = new List<byte>();
        foreach (var v in values)
            body.AddRange(dtype switch
            {
                "<f8" => BitConverter.GetBytes(v),
                "<f4" => BitConverter.GetBytes((float)v),
                "<i4" => BitConverter.GetBytes((int)v),
                "<i8" => BitConverter.GetBytes((long)v),
                "|u1" => [(byte)v],
                _ => [(byte)(sbyte)v],
            });
        var header = $"{{'descr': '{dtype}', 'fortran_order': False, 'shape': ({values.Length},), }}";
        header = header.PadRight(64 - 10 - 1) + "\n";
        byte[] bytes = [0x93, .. "NUMPY"u8, 1, 0, (byte)header.Length, 0, .. System.Text.Encoding.Latin1.GetBytes(header), .. body];
        var a = NpyFile.Parse(bytes, "t.npy");
        Assert.That((a.Dtype, a.Shape, a.Values), Is.EqualTo((dtype, new long[] { values.Length }, values)));
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
