using System.Runtime.InteropServices;

namespace NasiOnnx.Engine.Runtime.Native;

/// <summary>
/// The few functions of ONNX Runtime's C API that custom operators need and the C# package does not wrap, called
/// through the <c>OrtApi</c> function table of the native library the package ships. The table is append-only
/// (ONNX Runtime keeps its ABI), so an index is the same in every release since the function appeared; the indices
/// here are those of the 1.31.1 package's own <c>OrtApi</c> struct (read off its field order) and of
/// <c>onnxruntime_c_api.h</c>.
/// </summary>
internal static unsafe class OrtApi
{
    /// <summary>The API version asked for, and the <c>OrtCustomOp</c> layout declared: version 16 added
    /// <c>CreateKernelV2</c>/<c>KernelComputeV2</c>, which return a status instead of having to throw.</summary>
    public const uint Version = 16;

    private static readonly IntPtr* Table = Load();

    private static IntPtr* Load()
    {
        var baseApi = (IntPtr*)OrtGetApiBase();
        var getApi = (delegate* unmanaged<uint, IntPtr*>)baseApi[0];
        var table = getApi(Version);
        if (table == null) throw new NasiException($"ONNX Runtime does not provide C API version {Version}.");
        return table;
    }

    [DllImport("onnxruntime", EntryPoint = "OrtGetApiBase")]
    private static extern IntPtr OrtGetApiBase();

    // Indices into OrtApi.
    private const int CreateStatusIndex = 0;
    private const int GetErrorMessageIndex = 2;
    private const int CreateCustomOpDomainIndex = 26;
    private const int CustomOpDomainAddIndex = 27;
    private const int AddCustomOpDomainIndex = 28;
    private const int GetTensorMutableDataIndex = 51;
    private const int GetDimensionsCountIndex = 61;
    private const int GetDimensionsIndex = 62;
    private const int GetTensorTypeAndShapeIndex = 65;
    private const int KernelInfoGetAttributeFloatIndex = 85;
    private const int KernelInfoGetAttributeInt64Index = 86;
    private const int KernelContextGetInputCountIndex = 88;
    private const int KernelContextGetInputIndex = 90;
    private const int KernelContextGetOutputIndex = 91;
    private const int ReleaseStatusIndex = 93;
    private const int ReleaseTensorTypeAndShapeInfoIndex = 99;
    private const int KernelInfoGetAttributeArrayInt64Index = 163;
    private const int KernelContextParallelForIndex = 274;

    public static IntPtr CreateStatus(int code, byte* message) =>
        ((delegate* unmanaged<int, byte*, IntPtr>)Table[CreateStatusIndex])(code, message);

    public static IntPtr CreateCustomOpDomain(byte* domain, out IntPtr created)
    {
        IntPtr result;
        fixed (IntPtr* c = &created) result = ((delegate* unmanaged<byte*, IntPtr*, IntPtr>)Table[CreateCustomOpDomainIndex])(domain, c);
        return result;
    }

    public static IntPtr CustomOpDomainAdd(IntPtr domain, void* op) =>
        ((delegate* unmanaged<IntPtr, void*, IntPtr>)Table[CustomOpDomainAddIndex])(domain, op);

    public static IntPtr AddCustomOpDomain(IntPtr sessionOptions, IntPtr domain) =>
        ((delegate* unmanaged<IntPtr, IntPtr, IntPtr>)Table[AddCustomOpDomainIndex])(sessionOptions, domain);

    public static IntPtr KernelInfoGetAttributeFloat(void* info, byte* name, float* value) =>
        ((delegate* unmanaged<void*, byte*, float*, IntPtr>)Table[KernelInfoGetAttributeFloatIndex])(info, name, value);

    public static IntPtr KernelInfoGetAttributeInt64(void* info, byte* name, long* value) =>
        ((delegate* unmanaged<void*, byte*, long*, IntPtr>)Table[KernelInfoGetAttributeInt64Index])(info, name, value);

    public static IntPtr KernelInfoGetAttributeArrayInt64(void* info, byte* name, long* values, nuint* size) =>
        ((delegate* unmanaged<void*, byte*, long*, nuint*, IntPtr>)Table[KernelInfoGetAttributeArrayInt64Index])(info, name, values, size);

    public static IntPtr KernelContextGetInputCount(void* context, nuint* count) =>
        ((delegate* unmanaged<void*, nuint*, IntPtr>)Table[KernelContextGetInputCountIndex])(context, count);

    public static IntPtr KernelContextGetInput(void* context, nuint index, void** value) =>
        ((delegate* unmanaged<void*, nuint, void**, IntPtr>)Table[KernelContextGetInputIndex])(context, index, value);

    public static IntPtr KernelContextGetOutput(void* context, nuint index, long* dims, nuint rank, void** value) =>
        ((delegate* unmanaged<void*, nuint, long*, nuint, void**, IntPtr>)Table[KernelContextGetOutputIndex])(context, index, dims, rank, value);

    public static IntPtr KernelContextParallelFor(void* context, delegate* unmanaged<void*, nuint, void> body, nuint total, nuint batches, void* state) =>
        ((delegate* unmanaged<void*, delegate* unmanaged<void*, nuint, void>, nuint, nuint, void*, IntPtr>)Table[KernelContextParallelForIndex])(context, body, total, batches, state);

    public static IntPtr GetTensorMutableData(void* value, void** data) =>
        ((delegate* unmanaged<void*, void**, IntPtr>)Table[GetTensorMutableDataIndex])(value, data);

    public static IntPtr GetTensorTypeAndShape(void* value, void** info) =>
        ((delegate* unmanaged<void*, void**, IntPtr>)Table[GetTensorTypeAndShapeIndex])(value, info);

    public static IntPtr GetDimensionsCount(void* info, nuint* count) =>
        ((delegate* unmanaged<void*, nuint*, IntPtr>)Table[GetDimensionsCountIndex])(info, count);

    public static IntPtr GetDimensions(void* info, long* dims, nuint count) =>
        ((delegate* unmanaged<void*, long*, nuint, IntPtr>)Table[GetDimensionsIndex])(info, dims, count);

    public static void ReleaseTensorTypeAndShapeInfo(void* info) =>
        ((delegate* unmanaged<void*, void>)Table[ReleaseTensorTypeAndShapeInfoIndex])(info);

    /// <summary>Throws, with ONNX Runtime's message, when <paramref name="status"/> is an error (non-null); releases it.</summary>
    public static void Check(IntPtr status, string what)
    {
        if (status == IntPtr.Zero) return;
        var message = Marshal.PtrToStringUTF8(((delegate* unmanaged<IntPtr, IntPtr>)Table[GetErrorMessageIndex])(status)) ?? "";
        ((delegate* unmanaged<IntPtr, void>)Table[ReleaseStatusIndex])(status);
        throw new NasiException($"ONNX Runtime: {what}: {message}");
    }
}
