using NasiOnnx.Models.Layers;
using Onnx;

namespace NasiOnnx.Models.Nb201;

/// <summary>
/// The NAS-Bench-201 search supernet as an ONNX model (opset 17): the macro skeleton of <see cref="Nb201Network"/> whose
/// cells carry all five ops on every edge, mixed by the graph input <c>arch</c> [6, 5] shared by all cells:
/// node j = Σ_{i&lt;j} Σ_op A[e, op] · op(node i), rows e in the published edge order (as <see cref="Nb201Cell.Edges"/>),
/// columns in <see cref="Nb201Op"/> order. <c>none</c> contributes zero whatever its weight, so it has no graph but
/// keeps its column. With a one-hot <c>arch</c> the supernet computes the network of that cell (a test checks it).
/// </summary>
public static class Nb201Supernet
{
    public const string InputName = Nb201Network.InputName;
    public const string OutputName = Nb201Network.OutputName;
    public const string WeightsName = "arch";

    /// <summary>Ops per edge, <c>none</c> included: the width of an <c>arch</c> row.</summary>
    public static int OpCount => Nb201OpNames.All.Count;

    /// <summary>
    /// Names as <see cref="Nb201Network.Build"/> outside the cells; inside, each op's layers sit under
    /// <c>stage{s}/cell{k}/edge_{to}_{from}/{op name}/</c> (<c>relu</c>, <c>conv</c>, <c>bn</c>; <c>pool</c>), its weighted
    /// term is <c>…/{op name}/mix</c>, and the weight scalars are <c>arch/e{edge}_{op name}</c>.
    /// </summary>
    public static ModelProto Build(Nb201NetworkOptions options, Nb201SupernetOptions? cells = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        cells ??= Nb201SupernetOptions.Default;
        return Nb201Network.BuildSkeleton("nb201_supernet", "NAS-Bench-201 search supernet", options, layers =>
        {
            var weights = new MixingWeights(layers, WeightsName, "arch", Nb201Cell.EdgeCount, Nb201OpNames.All);
            return (scope, x, c) => Cell(layers, weights, cells, scope, x, c);
        });
    }

    private static string Cell(LayerBuilder layers, MixingWeights weights, Nb201SupernetOptions o, string scope, string input, long c)
    {
        var nodes = new string[Nb201Cell.NodeCount];
        nodes[0] = input;
        for (int to = 1, edge = 0; to < Nb201Cell.NodeCount; to++)
        {
            var terms = new List<string>();
            for (var from = 0; from < to; from++, edge++)
                foreach (var op in Enum.GetValues<Nb201Op>())
                {
                    if (op == Nb201Op.None) continue;
                    var opScope = $"{scope}/edge_{to}_{from}/{op.Name()}";
                    var x = nodes[from];
                    var y = op switch
                    {
                        Nb201Op.SkipConnect => o.SkipBatchNorm ? layers.BatchNormalization(opScope + "/bn", x, c, affine: false) : x,
                        Nb201Op.NorConv1x1 => layers.ReluConvBn(opScope, x, c, c, kernel: 1, affine: o.AffineCells),
                        Nb201Op.NorConv3x3 => layers.ReluConvBn(opScope, x, c, c, kernel: 3, pad: 1, affine: o.AffineCells),
                        Nb201Op.AvgPool3x3 => Pool(layers, o, opScope, x, c),
                        _ => throw new ArgumentOutOfRangeException(nameof(op), op, $"'{opScope}': not a NAS-Bench-201 op."),
                    };
                    terms.Add(weights.Mix(opScope, y, edge, (int)op));
                }
            nodes[to] = layers.Sum($"{scope}/node{to}/sum", terms);
        }
        return nodes[^1];
    }

    private static string Pool(LayerBuilder layers, Nb201SupernetOptions o, string scope, string x, long c)
    {
        var pooled = layers.AveragePool(scope + "/pool", x, kernel: 3, stride: 1, pad: 1);
        return o.PoolBatchNorm ? layers.BatchNormalization(scope + "/bn", pooled, c, affine: false) : pooled;
    }
}
