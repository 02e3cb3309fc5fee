using System.Text;

namespace NasiOnnx.Engine.Runtime.Native;

/// <summary>A custom node's attributes, read once when ONNX Runtime creates its kernel.</summary>
internal readonly unsafe struct KernelAttributes(void* info)
{
    public long Int(string name, long fallback)
    {
        var utf8 = Utf8(name);
        long value;
        fixed (byte* n = utf8)
            return OrtApi.KernelInfoGetAttributeInt64(info, n, &value) is var status && status == IntPtr.Zero ? value : Ignore(status, fallback);
    }

    public float Float(string name, float fallback)
    {
        var utf8 = Utf8(name);
        float value;
        fixed (byte* n = utf8)
            return OrtApi.KernelInfoGetAttributeFloat(info, n, &value) is var status && status == IntPtr.Zero ? value : Ignore(status, fallback);
    }

    public long[] Ints(string name)
    {
        var utf8 = Utf8(name);
        fixed (byte* n = utf8)
        {
            nuint size = 0;
            OrtApi.Check(OrtApi.KernelInfoGetAttributeArrayInt64(info, n, null, &size), $"attribute '{name}'");
            var values = new long[size];
            fixed (long* v = values) OrtApi.Check(OrtApi.KernelInfoGetAttributeArrayInt64(info, n, v, &size), $"attribute '{name}'");
            return values;
        }
    }

    private static T Ignore<T>(IntPtr status, T fallback)
    {
        try { OrtApi.Check(status, "attribute"); }
        catch (NasiException) { } // absent: the default applies
        return fallback;
    }

    private static byte[] Utf8(string s) => Encoding.UTF8.GetBytes(s + "\0");
}
