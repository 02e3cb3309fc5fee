using NasiOnnx.Engine.Graphs;
using NasiOnnx.Engine.Runtime.Native;

namespace NasiOnnx.Engine.Autodiff.Kernels;

/// <summary>
/// The gradient kernels written in C# and run by ONNX Runtime as custom operators of the domain
/// <see cref="Domain"/> (CPU only). Rules emit them when <see cref="GradientKernelMode.Fused"/> is asked for; the
/// standard-op rules stay the reference, and tests compare each kernel with them.
/// <list type="bullet">
/// <item><c>BatchNormalizationGrad(X, dY, scale; epsilon) → dX, dScale, dBias</c>: training-mode BN backward.</item>
/// <item><c>ReluGrad(Y, dY) → dX</c>: dY where Y &gt; 0.</item>
/// </list>
/// </summary>
public static class GradientKernels
{
    /// <summary>The custom-operator domain, imported at version 1 by models that use the kernels.</summary>
    public const string Domain = "com.nasionnx.grad";

    public const string BatchNormalizationGrad = "BatchNormalizationGrad";
    public const string ReluGrad = "ReluGrad";

    private static readonly Lazy<CustomOpDomain> Registered = new(() => new CustomOpDomain(Domain,
    [
        new FusedOpType(BatchNormalizationGrad, [ElementType.Float, ElementType.Float, ElementType.Float],
            [ElementType.Float, ElementType.Float, ElementType.Float], a => new BatchNormGradKernel(a.Float("epsilon", 1e-5f))),
        new FusedOpType(ReluGrad, [ElementType.Float, ElementType.Float], [ElementType.Float], _ => new ReluGradKernel()),
    ]));

    /// <summary>Registers the kernels with a CPU session's options (idempotent per options object).</summary>
    internal static void AddTo(Microsoft.ML.OnnxRuntime.SessionOptions options) => Registered.Value.AddTo(options);

    private sealed unsafe class BatchNormGradKernel(float epsilon) : FusedKernel
    {
        public override void Compute(KernelContext context)
        {
            var x = context.Input(0);
            var dy = context.Input(1);
            var scale = context.Input(2);
            var (n, channels) = (x.Shape[0], x.Shape[1]);
            var spatial = x.Count / Math.Max(1, n * channels);
            var dx = context.Output(0, x.Shape);
            var dScale = context.Output(1, [channels]);
            var dBias = context.Output(2, [channels]);
            var (px, pdy, pdx, ps, pds, pdb) = ((IntPtr)x.Floats, (IntPtr)dy.Floats, (IntPtr)dx.Floats, (IntPtr)scale.Floats, (IntPtr)dScale.Floats, (IntPtr)dBias.Floats);
            context.ParallelFor((int)channels, c => BatchNormGradient.Channel((float*)px, (float*)pdy, (float*)pdx, (float*)ps, (float*)pds, (float*)pdb,
                n, channels, spatial, epsilon, c));
        }
    }

    private sealed unsafe class ReluGradKernel : FusedKernel
    {
        public override void Compute(KernelContext context)
        {
            var y = context.Input(0);
            var dy = context.Input(1);
            var dx = context.Output(0, y.Shape);
            const int Block = 1 << 16;
            var count = y.Count;
            var blocks = (int)((count + Block - 1) / Block);
            var (py, pdy, pdx) = ((IntPtr)y.Floats, (IntPtr)dy.Floats, (IntPtr)dx.Floats);
            context.ParallelFor(blocks, b =>
            {
                var start = (long)b * Block;
                var length = (int)Math.Min(Block, count - start);
                ReluGradient.Apply(new ReadOnlySpan<float>((float*)py + start, length), new ReadOnlySpan<float>((float*)pdy + start, length),
                    new Span<float>((float*)pdx + start, length));
            });
        }
    }
}
