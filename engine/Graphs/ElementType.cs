namespace NasiOnnx.Engine.Graphs;

/// <summary>The ONNX tensor element types the engine uses (values are TensorProto.DataType codes).</summary>
public enum ElementType
{
    Float = 1,
    Int32 = 6,
    Int64 = 7,
    Bool = 9,
    Double = 11,
}
