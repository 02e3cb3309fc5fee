using NasiOnnx.Models.Layers;

namespace NasiOnnx.Models.Darts;

/// <summary>
/// Emits one DARTS op (DARTS's <c>cnn/operations.py</c>, <c>OPS</c>) on C channels, C in = C out, as the evaluation
/// networks and the search supernet share them. Layer names under the op's scope: sep convs
/// <c>{relu,dw,pw,bn}1</c> and <c>{relu,dw,pw,bn}2</c>, dil convs <c>relu</c>, <c>dw</c>, <c>pw</c>, <c>bn</c>, pools
/// <c>pool</c>, a stride-2 skip <see cref="LayerBuilder.FactorizedReduce"/>'s names. Every op maps a size
/// × size input to ⌈size/stride⌉ × ⌈size/stride⌉.
/// </summary>
public static class DartsOps
{
    /// <summary>
    /// The output of <paramref name="op"/> on <paramref name="x"/> ([batch, channels, size, size]); a stride-1 skip is
    /// <paramref name="x"/> itself. <c>none</c> has no graph (it contributes zero): callers leave its term out.
    /// <paramref name="affine"/> false gives every BN fixed scale 1 and bias 0, as in DARTS's search supernet.
    /// </summary>
    public static string Build(LayerBuilder layers, string scope, DartsOp op, string x, long channels, long stride, long size,
        bool affine = true)
    {
        ArgumentNullException.ThrowIfNull(layers);
        if (stride is not (1 or 2)) throw new ArgumentOutOfRangeException(nameof(stride), stride, $"'{scope}': DARTS ops have stride 1 or 2.");
        var c = channels;
        return op switch
        {
            DartsOp.MaxPool3x3 => layers.MaxPool(scope + "/pool", x, kernel: 3, stride, pad: 1),
            DartsOp.AvgPool3x3 => layers.AveragePool(scope + "/pool", x, kernel: 3, stride, pad: 1, countIncludePad: false),
            DartsOp.SkipConnect => stride == 1 ? x : layers.FactorizedReduce(scope, x, c, c, size, affine),
            DartsOp.SepConv3x3 => SepConv(layers, scope, x, c, kernel: 3, stride, affine),
            DartsOp.SepConv5x5 => SepConv(layers, scope, x, c, kernel: 5, stride, affine),
            DartsOp.DilConv3x3 => DilConv(layers, scope, x, c, kernel: 3, stride, affine),
            DartsOp.DilConv5x5 => DilConv(layers, scope, x, c, kernel: 5, stride, affine),
            DartsOp.None => throw new ArgumentException($"'{scope}': 'none' has no graph; leave the term out.", nameof(op)),
            _ => throw new ArgumentOutOfRangeException(nameof(op), op, $"'{scope}': not a DARTS op."),
        };
    }

    /// <summary>SepConv: twice [ReLU → depthwise k×k (pad k/2) → Conv 1×1 → BN]; the first depthwise conv carries the stride.</summary>
    private static string SepConv(LayerBuilder layers, string scope, string x, long c, long kernel, long stride, bool affine)
    {
        for (var i = 1; i <= 2; i++)
        {
            x = layers.Relu($"{scope}/relu{i}", x);
            x = layers.DepthwiseConv($"{scope}/dw{i}", x, c, kernel, i == 1 ? stride : 1, pad: kernel / 2);
            x = layers.Conv($"{scope}/pw{i}", x, c, c, kernel: 1);
            x = layers.BatchNormalization($"{scope}/bn{i}", x, c, affine);
        }
        return x;
    }

    /// <summary>DilConv: ReLU → depthwise k×k, dilation 2, pad k−1 (2 or 4: size-preserving) → Conv 1×1 → BN.</summary>
    private static string DilConv(LayerBuilder layers, string scope, string x, long c, long kernel, long stride, bool affine)
    {
        x = layers.Relu(scope + "/relu", x);
        x = layers.DepthwiseConv(scope + "/dw", x, c, kernel, stride, pad: kernel - 1, dilation: 2);
        x = layers.Conv(scope + "/pw", x, c, c, kernel: 1);
        return layers.BatchNormalization(scope + "/bn", x, c, affine);
    }
}
