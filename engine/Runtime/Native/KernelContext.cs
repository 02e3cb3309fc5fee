using System.Runtime.InteropServices;

namespace NasiOnnx.Engine.Runtime.Native;

/// <summary>
/// What a custom kernel sees of one call: its inputs, the outputs it allocates, and ONNX Runtime's intra-op thread
/// pool (so that a kernel uses the threads the session was given, one in a ranking worker, all of them in a lone
/// score). Valid only during the call.
/// </summary>
internal readonly unsafe struct KernelContext(void* handle)
{
    public int InputCount
    {
        get
        {
            nuint count;
            OrtApi.Check(OrtApi.KernelContextGetInputCount(handle, &count), "KernelContext_GetInputCount");
            return (int)count;
        }
    }

    /// <summary>Input <paramref name="index"/> (float32 or int64 data, by the op's declared types).</summary>
    public KernelTensor Input(int index)
    {
        void* value;
        OrtApi.Check(OrtApi.KernelContextGetInput(handle, (nuint)index, &value), "KernelContext_GetInput");
        if (value == null) throw new NasiException($"custom kernel: input {index} is missing");
        return KernelTensor.Of(value);
    }

    /// <summary>Allocates output <paramref name="index"/> with <paramref name="shape"/>; its contents are undefined.</summary>
    public KernelTensor Output(int index, long[] shape)
    {
        void* value;
        fixed (long* dims = shape)
            OrtApi.Check(OrtApi.KernelContextGetOutput(handle, (nuint)index, dims, (nuint)shape.Length, &value), "KernelContext_GetOutput");
        return KernelTensor.Of(value, shape);
    }

    /// <summary>
    /// Runs <paramref name="body"/>(i) for i in [0, <paramref name="total"/>) on the session's intra-op threads (the
    /// calling thread included); with one thread, in order on the calling thread.
    /// </summary>
    public void ParallelFor(int total, Action<int> body)
    {
        if (total <= 0) return;
        if (total == 1)
        {
            body(0);
            return;
        }
        var state = new ParallelState(body);
        var gc = GCHandle.Alloc(state);
        try
        {
            OrtApi.Check(OrtApi.KernelContextParallelFor(handle, &RunOne, (nuint)total, 0, (void*)GCHandle.ToIntPtr(gc)), "KernelContext_ParallelFor");
        }
        finally
        {
            gc.Free();
        }
        if (state.Error is { } error) throw new NasiException($"custom kernel: {error.Message}", error);
    }

    private sealed class ParallelState(Action<int> body)
    {
        public Action<int> Body { get; } = body;
        public Exception? Error { get; set; }
    }

    [UnmanagedCallersOnly]
    private static void RunOne(void* state, nuint index)
    {
        var s = (ParallelState)GCHandle.FromIntPtr((IntPtr)state).Target!;
        try
        {
            s.Body((int)index);
        }
        catch (Exception e)
        {
            s.Error ??= e; // no exception may cross into native code: reported after the loop
        }
    }
}
