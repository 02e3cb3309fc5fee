using Google.Protobuf;
using Onnx;

namespace NasiOnnx.Engine.Graphs;

/// <summary>Saving and loading <c>.onnx</c> files, with errors that name the file.</summary>
public static class ModelFile
{
    public static void Save(ModelProto model, string path)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir is not null) Directory.CreateDirectory(dir);
        // Write then rename, so a killed process never leaves a torn model behind.
        var tmp = path + ".tmp";
        using (var stream = File.Create(tmp)) model.WriteTo(stream);
        File.Move(tmp, path, overwrite: true);
    }

    public static ModelProto Load(string path)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ModelLoadException($"{path}: cannot read the file ({e.Message})", e);
        }
        return Parse(bytes, path);
    }

    /// <summary>Parses model bytes; <paramref name="source"/> names them in errors.</summary>
    public static ModelProto Parse(ReadOnlySpan<byte> bytes, string source = "model bytes")
    {
        ModelProto model;
        try
        {
            model = ModelProto.Parser.ParseFrom(bytes);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new ModelLoadException($"{source}: not an ONNX model ({e.Message})", e);
        }
        if (model.Graph is null || model.Graph.Node.Count == 0)
            throw new ModelLoadException($"{source}: not an ONNX model (no graph or no nodes)");
        return model;
    }

    public static byte[] ToBytes(ModelProto model) => model.ToByteArray();
}
