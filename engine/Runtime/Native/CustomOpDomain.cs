using System.Runtime.InteropServices;
using System.Text;

namespace NasiOnnx.Engine.Runtime.Native;

/// <summary>
/// A domain of custom operators written in C#, registered with ONNX Runtime through its C API from managed code:
/// one <c>OrtCustomOp</c> struct per operator (a table of <c>[UnmanagedCallersOnly]</c> function pointers, laid out
/// as <c>onnxruntime_c_api.h</c> declares it for <see cref="OrtApi.Version"/>), all added to one
/// <c>OrtCustomOpDomain</c> that lives as long as the process, since sessions made with it must not outlive it.
/// The operators run on the CPU execution provider only.
/// </summary>
internal sealed unsafe class CustomOpDomain
{
    private static readonly byte* CpuProvider = Utf8("CPUExecutionProvider");
    private static readonly List<CustomOpDomain> Domains = [];

    private readonly IntPtr _handle;
    private readonly FusedOpType[] _ops;
    private readonly byte*[] _names;

    public string Name { get; }

    public CustomOpDomain(string name, IReadOnlyList<FusedOpType> ops)
    {
        Name = name;
        _ops = ops.ToArray();
        _names = new byte*[_ops.Length];
        for (var i = 0; i < _ops.Length; i++) _names[i] = Utf8(_ops[i].Name);
        int index;
        lock (Domains)
        {
            index = Domains.Count;
            Domains.Add(this);
        }
        var domainName = Utf8(name);
        OrtApi.Check(OrtApi.CreateCustomOpDomain(domainName, out _handle), $"CreateCustomOpDomain '{name}'");
        for (var i = 0; i < _ops.Length; i++)
        {
            var op = (OpStruct*)NativeMemory.AllocZeroed((nuint)sizeof(OpStruct)); // lives as long as the process
            op->Version = OrtApi.Version;
            op->CreateKernel = &CreateKernel;
            op->GetName = &GetName;
            op->GetExecutionProviderType = &GetExecutionProviderType;
            op->GetInputType = &GetInputType;
            op->GetInputTypeCount = &GetInputTypeCount;
            op->GetOutputType = &GetOutputType;
            op->GetOutputTypeCount = &GetOutputTypeCount;
            op->KernelCompute = &KernelCompute;
            op->KernelDestroy = &KernelDestroy;
            op->GetInputCharacteristic = &Required;
            op->GetOutputCharacteristic = &Required;
            op->GetInputMemoryType = &DefaultMemory;
            op->GetVariadicInputMinArity = &One;
            op->GetVariadicInputHomogeneity = &One;
            op->GetVariadicOutputMinArity = &One;
            op->GetVariadicOutputHomogeneity = &One;
            op->CreateKernelV2 = &CreateKernelV2;
            op->KernelComputeV2 = &KernelComputeV2;
            op->Domain = index;
            op->Op = i;
            OrtApi.Check(OrtApi.CustomOpDomainAdd(_handle, op), $"CustomOpDomain_Add '{_ops[i].Name}'");
        }
    }

    /// <summary>Makes the domain's operators available to sessions made with <paramref name="sessionOptions"/>.</summary>
    public void AddTo(Microsoft.ML.OnnxRuntime.SessionOptions sessionOptions) =>
        OrtApi.Check(OrtApi.AddCustomOpDomain(sessionOptions.DangerousGetHandle(), _handle), $"AddCustomOpDomain '{Name}'");

    /// <summary>OrtCustomOp (onnxruntime_c_api.h), fields up to KernelComputeV2 read at version 16, then ours.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct OpStruct
    {
        public uint Version;
        public delegate* unmanaged<OpStruct*, void*, void*, void*> CreateKernel;
        public delegate* unmanaged<OpStruct*, byte*> GetName;
        public delegate* unmanaged<OpStruct*, byte*> GetExecutionProviderType;
        public delegate* unmanaged<OpStruct*, nuint, int> GetInputType;
        public delegate* unmanaged<OpStruct*, nuint> GetInputTypeCount;
        public delegate* unmanaged<OpStruct*, nuint, int> GetOutputType;
        public delegate* unmanaged<OpStruct*, nuint> GetOutputTypeCount;
        public delegate* unmanaged<void*, void*, void> KernelCompute;
        public delegate* unmanaged<void*, void> KernelDestroy;
        public delegate* unmanaged<OpStruct*, nuint, int> GetInputCharacteristic;
        public delegate* unmanaged<OpStruct*, nuint, int> GetOutputCharacteristic;
        public delegate* unmanaged<OpStruct*, nuint, int> GetInputMemoryType;
        public delegate* unmanaged<OpStruct*, int> GetVariadicInputMinArity;
        public delegate* unmanaged<OpStruct*, int> GetVariadicInputHomogeneity;
        public delegate* unmanaged<OpStruct*, int> GetVariadicOutputMinArity;
        public delegate* unmanaged<OpStruct*, int> GetVariadicOutputHomogeneity;
        public delegate* unmanaged<OpStruct*, void*, void*, void**, IntPtr> CreateKernelV2;
        public delegate* unmanaged<void*, void*, IntPtr> KernelComputeV2;
        // Later fields (InferOutputShapeFn, versions, in-place and alias maps) exist from version 17 on: left zero.
        public void* InferOutputShapeFn;
        public void* GetStartVersion;
        public void* GetEndVersion;
        public void* GetMayInplace;
        public void* ReleaseMayInplace;
        public void* GetAliasMap;
        public void* ReleaseAliasMap;
        // Beyond ONNX Runtime's struct: which op this is.
        public int Domain;
        public int Op;
    }

    private static FusedOpType TypeOf(OpStruct* op)
    {
        lock (Domains) return Domains[op->Domain]._ops[op->Op];
    }

    [UnmanagedCallersOnly]
    private static byte* GetName(OpStruct* op)
    {
        lock (Domains) return Domains[op->Domain]._names[op->Op];
    }

    [UnmanagedCallersOnly]
    private static byte* GetExecutionProviderType(OpStruct* op) => CpuProvider;

    [UnmanagedCallersOnly]
    private static int GetInputType(OpStruct* op, nuint index) => (int)TypeOf(op).Inputs[(int)index];

    [UnmanagedCallersOnly]
    private static nuint GetInputTypeCount(OpStruct* op) => (nuint)TypeOf(op).Inputs.Length;

    [UnmanagedCallersOnly]
    private static int GetOutputType(OpStruct* op, nuint index) => (int)TypeOf(op).Outputs[(int)index];

    [UnmanagedCallersOnly]
    private static nuint GetOutputTypeCount(OpStruct* op) => (nuint)TypeOf(op).Outputs.Length;

    [UnmanagedCallersOnly]
    private static int Required(OpStruct* op, nuint index) => 0; // INPUT_OUTPUT_REQUIRED

    [UnmanagedCallersOnly]
    private static int DefaultMemory(OpStruct* op, nuint index) => 0; // OrtMemTypeDefault

    [UnmanagedCallersOnly]
    private static int One(OpStruct* op) => 1;

    [UnmanagedCallersOnly]
    private static IntPtr CreateKernelV2(OpStruct* op, void* api, void* info, void** kernel)
    {
        try
        {
            *kernel = (void*)GCHandle.ToIntPtr(GCHandle.Alloc(TypeOf(op).Create(new KernelAttributes(info))));
            return IntPtr.Zero;
        }
        catch (Exception e)
        {
            return Failure(e);
        }
    }

    /// <summary>The version-1 entry point, which cannot report an error: ONNX Runtime calls V2 at version 16.</summary>
    [UnmanagedCallersOnly]
    private static void* CreateKernel(OpStruct* op, void* api, void* info)
    {
        try
        {
            return (void*)GCHandle.ToIntPtr(GCHandle.Alloc(TypeOf(op).Create(new KernelAttributes(info))));
        }
        catch
        {
            return null;
        }
    }

    [UnmanagedCallersOnly]
    private static IntPtr KernelComputeV2(void* kernel, void* context)
    {
        try
        {
            ((FusedKernel)GCHandle.FromIntPtr((IntPtr)kernel).Target!).Compute(new KernelContext(context));
            return IntPtr.Zero;
        }
        catch (Exception e)
        {
            return Failure(e);
        }
    }

    [UnmanagedCallersOnly]
    private static void KernelCompute(void* kernel, void* context)
    {
        try
        {
            ((FusedKernel)GCHandle.FromIntPtr((IntPtr)kernel).Target!).Compute(new KernelContext(context));
        }
        catch
        {
            // The version-1 entry point has no way to report: ONNX Runtime calls V2 at version 16.
        }
    }

    [UnmanagedCallersOnly]
    private static void KernelDestroy(void* kernel)
    {
        if (kernel != null) GCHandle.FromIntPtr((IntPtr)kernel).Free();
    }

    private static IntPtr Failure(Exception e)
    {
        var message = Encoding.UTF8.GetBytes(e.Message + "\0");
        fixed (byte* m = message) return OrtApi.CreateStatus(1, m); // ORT_FAIL
    }

    private static byte* Utf8(string s)
    {
        var bytes = Encoding.UTF8.GetBytes(s + "\0");
        var p = (byte*)NativeMemory.Alloc((nuint)bytes.Length); // lives as long as the process
        bytes.CopyTo(new Span<byte>(p, bytes.Length));
        return p;
    }
}
