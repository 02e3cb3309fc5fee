using System.Buffers.Binary;
using System.Text;
using System.Text.RegularExpressions;

namespace NasiOnnx.Engine.Data;

/// <summary>
/// Reads and writes NumPy <c>.npy</c> arrays (format 1.x–3.x, C order, little-endian float32/float64/int32/int64/uint8).
/// Errors name the file and what in it is unsupported.
/// </summary>
public static partial class NpyFile
{
    private static readonly byte[] Magic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    /// <summary>An array read as doubles (exact for every supported type), with its NumPy dtype and shape.</summary>
    public sealed record Array(string Dtype, long[] Shape, double[] Values);

    public static Array Read(string path)
    {
        byte[] bytes;
        try { bytes = File.ReadAllBytes(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new NasiException($"{path}: cannot read the file ({e.Message})", e);
        }
        return Parse(bytes, path);
    }

    public static Array Parse(ReadOnlySpan<byte> bytes, string source)
    {
        if (bytes.Length < 10 || !bytes[..6].SequenceEqual(Magic))
            throw new NasiException($"{source}: not a .npy file (bad magic)");
        int major = bytes[6], headerLength, offset;
        if (major == 1) { headerLength = BinaryPrimitives.ReadUInt16LittleEndian(bytes[8..]); offset = 10; }
        else if (major is 2 or 3)
        {
            if (bytes.Length < 12) throw new NasiException($"{source}: truncated .npy header");
            headerLength = checked((int)BinaryPrimitives.ReadUInt32LittleEndian(bytes[8..])); offset = 12;
        }
        else throw new NasiException($"{source}: .npy format version {major} is not supported");
        if (offset + headerLength > bytes.Length) throw new NasiException($"{source}: truncated .npy header");
        var header = Encoding.Latin1.GetString(bytes.Slice(offset, headerLength));

        var descr = DescrRegex().Match(header);
        var order = FortranRegex().Match(header);
        var shapeMatch = ShapeRegex().Match(header);
        if (!descr.Success || !order.Success || !shapeMatch.Success)
            throw new NasiException($"{source}: unreadable .npy header '{header.Trim()}'");
        if (order.Groups[1].Value == "True")
            throw new NasiException($"{source}: Fortran-ordered arrays are not supported; save with np.ascontiguousarray");
        var shape = shapeMatch.Groups[1].Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(s => long.TryParse(s, out var d) && d >= 0 ? d : throw new NasiException($"{source}: bad dimension '{s}' in .npy shape"))
            .ToArray();
        var dtype = descr.Groups[1].Value;
        var size = dtype switch
        {
            "<f4" => 4, "<f8" => 8, "<i4" => 4, "<i8" => 8, "|u1" or "<u1" or "|i1" => 1,
            _ => throw new NasiException($"{source}: dtype '{dtype}' is not supported (use little-endian float32/float64/int32/int64/uint8)"),
        };
        long count = 1;
        foreach (var d in shape) count = checked(count * d);
        var data = bytes[(offset + headerLength)..];
        if (data.Length < count * size)
            throw new NasiException($"{source}: truncated data: shape [{string.Join(",", shape)}] needs {count * size} bytes, file has {data.Length}");
        var values = new double[count];
        for (var i = 0; i < count; i++)
        {
            var b = data.Slice(i * size, size);
            values[i] = dtype switch
            {
                "<f4" => BinaryPrimitives.ReadSingleLittleEndian(b),
                "<f8" => BinaryPrimitives.ReadDoubleLittleEndian(b),
                "<i4" => BinaryPrimitives.ReadInt32LittleEndian(b),
                "<i8" => BinaryPrimitives.ReadInt64LittleEndian(b),
                "|i1" => (sbyte)b[0],
                _ => b[0],
            };
        }
        return new Array(dtype, shape, values);
    }

    public static void WriteFloat32(string path, ReadOnlySpan<float> values, params long[] shape)
    {
        var body = new byte[values.Length * 4];
        for (var i = 0; i < values.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(body.AsSpan(i * 4), values[i]);
        Write(path, "<f4", shape, body);
    }

    public static void WriteInt64(string path, ReadOnlySpan<long> values, params long[] shape)
    {
        var body = new byte[values.Length * 8];
        for (var i = 0; i < values.Length; i++) BinaryPrimitives.WriteInt64LittleEndian(body.AsSpan(i * 8), values[i]);
        Write(path, "<i8", shape, body);
    }

    private static void Write(string path, string dtype, long[] shape, byte[] body)
    {
        var dims = shape.Length == 1 ? $"{shape[0]}," : string.Join(", ", shape);
        var header = $"{{'descr': '{dtype}', 'fortran_order': False, 'shape': ({dims}), }}";
        var total = 10 + header.Length + 1;
        header += new string(' ', (64 - total % 64) % 64) + "\n"; // align data to 64 bytes, as NumPy does
        using var stream = File.Create(path);
        stream.Write(Magic);
        stream.Write([1, 0]);
        Span<byte> len = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16LittleEndian(len, (ushort)header.Length);
        stream.Write(len);
        stream.Write(Encoding.Latin1.GetBytes(header));
        stream.Write(body);
    }

    [GeneratedRegex(@"'descr'\s*:\s*'([^']*)'")] private static partial Regex DescrRegex();
    [GeneratedRegex(@"'fortran_order'\s*:\s*(True|False)")] private static partial Regex FortranRegex();
    [GeneratedRegex(@"'shape'\s*:\s*\(([^)]*)\)")] private static partial Regex ShapeRegex();
}
