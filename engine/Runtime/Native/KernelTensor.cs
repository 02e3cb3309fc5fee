namespace NasiOnnx.Engine.Runtime.Native;

/// <summary>A tensor in ONNX Runtime's memory as a custom kernel sees it: its shape and data, valid during the call.</summary>
internal readonly unsafe struct KernelTensor(void* data, long[] shape)
{
    public long[] Shape { get; } = shape;

    public long Count => Graphs.Tensor.Count(Shape);

    public float* Floats => (float*)data;

    public long* Longs => (long*)data;

    public Span<float> Span => new(data, checked((int)Count));

    public static KernelTensor Of(void* value, long[]? knownShape = null)
    {
        void* data;
        OrtApi.Check(OrtApi.GetTensorMutableData(value, &data), "GetTensorMutableData");
        return new KernelTensor(data, knownShape ?? ShapeOf(value));
    }

    private static long[] ShapeOf(void* value)
    {
        void* info;
        OrtApi.Check(OrtApi.GetTensorTypeAndShape(value, &info), "GetTensorTypeAndShape");
        try
        {
            nuint rank;
            OrtApi.Check(OrtApi.GetDimensionsCount(info, &rank), "GetDimensionsCount");
            var shape = new long[rank];
            fixed (long* dims = shape) OrtApi.Check(OrtApi.GetDimensions(info, dims, rank), "GetDimensions");
            return shape;
        }
        finally
        {
            OrtApi.ReleaseTensorTypeAndShapeInfo(info);
        }
    }
}
