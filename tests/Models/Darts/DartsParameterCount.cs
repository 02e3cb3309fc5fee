using NasiOnnx.Models.Darts;

namespace NasiOnnx.Tests.Models.Darts;

/// <summary>
/// Closed-form parameter counts of DARTS networks, written from DARTS's PyTorch modules (<c>cnn/operations.py</c>,
/// <c>model.py</c>, <c>model_search.py</c>) independently of the graph builders, so a test comparing the two checks both.
/// Conv k×k (no bias): in·out·k²/groups; BN: 2·channels when affine; Linear: in·out + out.
/// </summary>
internal static class DartsParameterCount
{
    /// <summary>Parameters of one op on C channels (affine BNs).</summary>
    public static long Op(DartsOp op, long c, int stride, bool affine = true)
    {
        var bn = affine ? 2 * c : 0;
        return op switch
        {
            DartsOp.SepConv3x3 => 2 * (c * 9 + c * c + bn),
            DartsOp.SepConv5x5 => 2 * (c * 25 + c * c + bn),
            DartsOp.DilConv3x3 => c * 9 + c * c + bn,
            DartsOp.DilConv5x5 => c * 25 + c * c + bn,
            DartsOp.SkipConnect => stride == 1 ? 0 : c * c + bn, // FactorizedReduce: two 1×1 convs of C/2 outputs
            _ => 0,
        };
    }

    /// <summary>NetworkCIFAR (auxiliary head optional, counted as DARTS's logs do not).</summary>
    public static long Cifar(DartsGenotype g, int c, int layers, int classes, bool auxiliary = false)
    {
        long stem = 3L * c;
        var n = 3 * stem * 9 + 2 * stem;
        return n + Cells(g, stem, stem, c, layers, classes, auxiliary ? (k, cp) => AuxCifar(cp, k) : null);
    }

    /// <summary>NetworkImageNet without the auxiliary head.</summary>
    public static long ImageNet(DartsGenotype g, int c, int layers, int classes)
    {
        long half = c / 2;
        var stems = 3 * half * 9 + 2 * half + half * c * 9 + 2L * c + (long)c * c * 9 + 2L * c;
        return stems + Cells(g, c, c, c, layers, classes, null);
    }

    /// <summary>The search supernet: 14 mixed edges per cell, non-affine cell BNs unless <paramref name="affineCells"/>.</summary>
    public static long Supernet(int c, int layers, int classes, bool affineCells = false)
    {
        long stem = 3L * c, cpp = stem, cp = stem, cur = c;
        var n = 3 * stem * 9 + 2 * stem;
        for (var i = 0; i < layers; i++)
        {
            var reduction = i == layers / 3 || i == 2 * layers / 3;
            if (reduction) cur *= 2;
            var bn = affineCells ? 2 * cur : 0;
            // preprocess0 (FactorizedReduce or ReLU-Conv1×1-BN: both cpp·C weights) and preprocess1
            n += cpp * cur + bn + cp * cur + bn;
            for (var node = 2; node < 6; node++)
                for (var input = 0; input < node; input++)
                    foreach (var op in Enum.GetValues<DartsOp>())
                        n += Op(op, cur, reduction && input < 2 ? 2 : 1, affineCells);
            (cpp, cp) = (cp, 4 * cur);
        }
        return n + cp * classes + classes;
    }

    private static long AuxCifar(long channels, int classes) =>
        channels * 128 + 2 * 128 + 128L * 768 * 4 + 2 * 768 + 768L * classes + classes;

    private static long Cells(DartsGenotype g, long cpp, long cp, long c, int layers, int classes,
        Func<int, long, long>? auxiliary)
    {
        long n = 0;
        for (var i = 0; i < layers; i++)
        {
            var reduction = i == layers / 3 || i == 2 * layers / 3;
            if (reduction) c *= 2;
            // preprocess0 (FactorizedReduce or ReLU-Conv1×1-BN: both cpp·C weights) and preprocess1, each with a BN
            n += cpp * c + 2 * c + cp * c + 2 * c;
            var cell = g.Cell(reduction);
            foreach (var (op, input) in cell.Edges) n += Op(op, c, reduction && input < 2 ? 2 : 1);
            (cpp, cp) = (cp, cell.Concat.Count * c);
            if (auxiliary is not null && i == 2 * layers / 3) n += auxiliary(classes, cp);
        }
        return n + cp * classes + classes;
    }
}
