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
/// <item><c>ConvWeightGrad(X, dY; kernel_shape, pads, dilations) → dW</c>: a 2-D, one-group, stride-1 Conv's
/// weight gradient as a GEMM on packed dY and shifted copies of X (<see cref="ConvWeightGradient"/>).</item>
/// <item><c>Im2Col(X; kernel_shape, strides, pads, dilations) → cols</c>: a 2-D Conv's weight-gradient columns
/// [C·kh·kw, N·OutH·OutW] (<see cref="Kernels.Im2Col"/>), for MLAS's GEMM.</item>
/// </list>
/// </summary>
public static class GradientKernels
{
    /// <summary>The custom-operator domain, imported at version 1 by models that use the kernels.</summary>
    public const string Domain = "com.nasionnx.grad";

    public const string BatchNormalizationGrad = "BatchNormalizationGrad";
    public const string ReluGrad = "ReluGrad";
    public const string Im2Col = "Im2Col";
    public const string ConvWeightGrad = "ConvWeightGrad";

    private static readonly Lazy<CustomOpDomain> Registered = new(() => new CustomOpDomain(Domain,
    [
        new FusedOpType(BatchNormalizationGrad, [ElementType.Float, ElementType.Float, ElementType.Float],
            [ElementType.Float, ElementType.Float, ElementType.Float], a => new BatchNormGradKernel(a.Float("epsilon", 1e-5f))),
        new FusedOpType(ReluGrad, [ElementType.Float, ElementType.Float], [ElementType.Float], _ => new ReluGradKernel()),
        new FusedOpType(ConvWeightGrad, [ElementType.Float, ElementType.Float], [ElementType.Float],
            a => new ConvWeightGradKernel(a.Ints("kernel_shape"), a.Ints("pads"), a.Ints("dilations"))),
        new FusedOpType(Im2Col, [ElementType.Float], [ElementType.Float],
            a => new Im2ColKernel(a.Ints("kernel_shape"), a.Ints("strides"), a.Ints("pads"), a.Ints("dilations"), a.Ints("output_shape"))),
    ]));

    /// <summary>Registers the kernels with a CPU session's options (idempotent per options object): for callers that
    /// make their own ONNX Runtime sessions for gradient graphs built with <see cref="GradientKernelMode.Fused"/>.</summary>
    public static void AddTo(Microsoft.ML.OnnxRuntime.SessionOptions options) => Registered.Value.AddTo(options);

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

    private sealed unsafe class ConvWeightGradKernel(long[] kernel, long[] pads, long[] dilations) : FusedKernel
    {
        public override void Compute(KernelContext context)
        {
            var x = context.Input(0);
            var dy = context.Input(1);
            if (x.Shape.Length != 4 || dy.Shape.Length != 4)
                throw new NasiException($"{ConvWeightGrad}: expects a 2-D convolution, got input [{string.Join(",", x.Shape)}]");
            var g = new ConvWeightGradient.Geometry((int)x.Shape[0], (int)x.Shape[1], (int)x.Shape[2], (int)x.Shape[3], (int)dy.Shape[1],
                (int)dy.Shape[2], (int)dy.Shape[3], (int)kernel[0], (int)kernel[1], (int)pads[0], (int)pads[1], (int)dilations[0], (int)dilations[1]);
            var dw = context.Output(0, [g.M, g.C, g.KernelH, g.KernelW]);
            var ctx = context;
            ConvWeightGradient.Compute(x.Floats, dy.Floats, dw.Floats, g, (count, body) => ctx.ParallelFor(count, body));
        }
    }

    private sealed unsafe class Im2ColKernel(long[] kernel, long[] strides, long[] pads, long[] dilations, long[] output) : FusedKernel
    {
        public override void Compute(KernelContext context)
        {
            var x = context.Input(0);
            if (x.Shape.Length != 4) throw new NasiException($"{Im2Col}: expects a 2-D convolution's input, got [{string.Join(",", x.Shape)}]");
            var g = new Kernels.Im2Col.Geometry((int)x.Shape[0], (int)x.Shape[1], (int)x.Shape[2], (int)x.Shape[3], (int)output[0], (int)output[1],
                (int)kernel[0], (int)kernel[1], (int)strides[0], (int)strides[1], (int)pads[0], (int)pads[1], (int)dilations[0], (int)dilations[1]);
            var cols = context.Output(0, [(long)g.C * g.KernelH * g.KernelW, g.Columns]);
            var (px, pc) = ((IntPtr)x.Floats, (IntPtr)cols.Floats);
            context.ParallelFor(g.C, c => Kernels.Im2Col.Channel((float*)px, (float*)pc, g, c));
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
