using System.Runtime.InteropServices;
using Onnx;

namespace NasiOnnx.Engine.Graphs;

/// <summary>Reads and writes the values of ONNX TensorProtos, whichever field holds them.</summary>
public static class TensorData
{
    public static long[] Dims(TensorProto t) => t.Dims.ToArray();

    public static bool IsExternal(TensorProto t) => t.DataLocation == TensorProto.Types.DataLocation.External;

    public static float[] ReadFloats(TensorProto t)
    {
        if (t.DataType != (int)ElementType.Float)
            throw new GraphException($"Tensor '{t.Name}' has element type {t.DataType}, expected float.");
        if (IsExternal(t))
            throw new GraphException($"Tensor '{t.Name}' keeps its data in an external file; load the model with its data.");
        var count = checked((int)Tensor.Count(t.Dims));
        if (!t.RawData.IsEmpty)
        {
            if (t.RawData.Length != count * sizeof(float))
                throw new GraphException($"Tensor '{t.Name}': raw data holds {t.RawData.Length} bytes, shape needs {count * sizeof(float)}.");
            return MemoryMarshal.Cast<byte, float>(t.RawData.Span).ToArray();
        }
        if (t.FloatData.Count != count)
            throw new GraphException($"Tensor '{t.Name}': {t.FloatData.Count} values for a shape of {count}.");
        return t.FloatData.ToArray();
    }

    public static long[] ReadInt64s(TensorProto t)
    {
        if (IsExternal(t))
            throw new GraphException($"Tensor '{t.Name}' keeps its data in an external file.");
        var count = checked((int)Tensor.Count(t.Dims));
        switch (t.DataType)
        {
            case (int)ElementType.Int64:
                if (!t.RawData.IsEmpty) return MemoryMarshal.Cast<byte, long>(t.RawData.Span).ToArray();
                return t.Int64Data.ToArray();
            case (int)ElementType.Int32:
                if (!t.RawData.IsEmpty) return MemoryMarshal.Cast<byte, int>(t.RawData.Span).ToArray().Select(v => (long)v).ToArray();
                return t.Int32Data.Select(v => (long)v).ToArray();
            default:
                throw new GraphException($"Tensor '{t.Name}' has element type {t.DataType}, expected an integer type ({count} values).");
        }
    }

    /// <summary>Replaces the values of a float tensor in place (raw data, as the builder writes them).</summary>
    public static void WriteFloats(TensorProto t, ReadOnlySpan<float> values)
    {
        if (values.Length != Tensor.Count(t.Dims))
            throw new ArgumentException($"Tensor '{t.Name}': {values.Length} values for shape [{string.Join(",", t.Dims)}].");
        t.FloatData.Clear();
        t.RawData = Google.Protobuf.ByteString.CopyFrom(MemoryMarshal.AsBytes(values));
    }
}
