using NasiOnnx.Engine;
using NasiOnnx.Engine.Graphs;
using NasiOnnx.Engine.Init;
using NasiOnnx.Models.Layers;
using Onnx;

namespace NasiOnnx.Models.Darts;

/// <summary>
/// Builds the DARTS search supernet (DARTS's <c>cnn/model_search.py</c>) as an ONNX model (opset 17): the CIFAR
/// skeleton of <see cref="DartsNetwork.BuildCifar"/> whose cells have 14 edges (every earlier state into each of the
/// four nodes), each carrying all eight ops mixed by architecture weights that are graph inputs:
/// edge output = Σ_op A[e, op] · op(x). <c>arch_normal</c> [14, 8] mixes every normal cell, <c>arch_reduce</c> [14, 8]
/// every reduction cell; rows are edges (<see cref="EdgeIndex"/>), columns ops in <see cref="DartsOp"/> order. The
/// weights are used as given (the search supplies softmaxed, e.g. Gumbel-softmax, weights). <c>none</c> contributes
/// zero whatever its weight, so it has no graph, but keeps its column. Pooling ops are followed by a BN without affine
/// parameters, as in DARTS.
/// </summary>
/// <remarks>
/// Search size, measured on this project's 2-core CPU machine (ONNX Runtime 1.31.1 CPU, 2 intra-op threads, batch 64,
/// 32×32, training-mode BN; <c>DartsSupernetTests.MeasureForwardTimeAndMemory</c>, run while other builds kept the load
/// average at 12–16, so times are inflated and noisy, e.g. the smaller net's forward measured slower):
/// <code>
/// C  cells  parameters  nodes  forward  activations kept for a gradient  loss + gradient pass
/// 8  5        394,210   3,264  2.2 s    3.5 GB                           15.9 s, peak working set 4.7 GB
/// 16 5      1,275,834   3,264  1.3 s    7.0 GB                           (not run: ≈ 9.5 GB by the 8/5 ratio)
/// 16 8      1,930,618   5,037  2.2 s    11.4 GB                          (not run: ≈ 15 GB)
/// </code>
/// "Activations" sums every float node output at batch 64, what a reverse pass may keep; the one gradient pass run
/// peaked at 1.35× that. NASI needs several gradient passes per sample (T = 100), so the default is C = 8 with 5 cells,
/// the largest of these whose gradient pass fits comfortably in this shared machine's 23 GB; DARTS's own search size,
/// C = 16 with 8 cells, is one option away for a machine with the memory (a GPU).
/// </remarks>
public static class DartsSupernet
{
    public const string InputName = "input";
    public const string OutputName = "logits";
    public const string NormalWeightsName = "arch_normal";
    public const string ReduceWeightsName = "arch_reduce";

    /// <summary>Edges per cell: 2 + 3 + 4 + 5 (node s has an edge from each of the states 0..s−1).</summary>
    public const int EdgeCount = 14;

    /// <summary>Ops per edge, <c>none</c> included: the width of an architecture-weight row.</summary>
    public static int OpCount => DartsOpNames.Count;

    /// <summary>
    /// The row of the edge from state <paramref name="input"/> into node <paramref name="node"/> (2..5), in DARTS's
    /// order: node 2's edges from states 0, 1, then node 3's from 0, 1, 2, and so on.
    /// </summary>
    public static int EdgeIndex(int node, int input)
    {
        if (node is < 2 or >= DartsCell.StateCount || input < 0 || input >= node)
            throw new ArgumentOutOfRangeException(nameof(input), $"No edge from state {input} into node {node}: need 2 ≤ node ≤ 5 and 0 ≤ input < node.");
        return (node - 2) * (node + 1) / 2 + input;
    }

    /// <summary>
    /// Names: <c>stem/{conv,bn}</c>; <c>cell{i}/preprocess{0,1}/…</c>; <c>cell{i}/edge_{node}_{input}/{op name}/…</c>
    /// (the op's layers as in <see cref="DartsOps"/>, a pooling op's BN <c>…/bn</c>, its weighted term <c>…/mix</c>);
    /// <c>arch/{normal,reduce}/e{edge}_{op}</c> (the weight scalars); <c>head/{pool,flatten,fc}</c>.
    /// </summary>
    public static ModelProto Build(DartsSupernetOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Validate(options);
        var o = options;
        var g = GraphBuilder.Create("darts_supernet");
        g.Model.DocString = $"DARTS search supernet: C={o.C}, layers={o.Layers}, classes={o.Classes}, input {o.InputChannels}x{o.InputSize}x{o.InputSize}, " +
                            $"affine cells {o.AffineCells}, BN {o.BatchNorm}, init {o.Init}, seed {o.Seed}";
        var layers = new LayerBuilder(g, new WeightSampler(o.Seed, o.Init), o.BatchNorm);
        var batch = o.Batch ?? GraphBuilder.SymbolicBatch;
        var x = g.Input(InputName, ElementType.Float, batch, o.InputChannels, o.InputSize, o.InputSize);
        var normal = new MixingWeights(layers, NormalWeightsName, "arch/normal", EdgeCount, DartsOpNames.All);
        var reduce = new MixingWeights(layers, ReduceWeightsName, "arch/reduce", EdgeCount, DartsOpNames.All);

        long stem = 3L * o.C, c = o.C;
        x = layers.Conv("stem/conv", x, o.InputChannels, stem, kernel: 3, pad: 1);
        x = layers.BatchNormalization("stem/bn", x, stem);
        string s0 = x, s1 = x;
        long c0 = stem, c1 = stem, size0 = o.InputSize, size1 = o.InputSize;
        var reductionPrev = false;
        for (var i = 0; i < o.Layers; i++)
        {
            var reduction = DartsNetwork.IsReduction(i, o.Layers);
            if (reduction) c *= 2;
            var scope = $"cell{i}";
            var states = new string[DartsCell.StateCount];
            states[0] = reductionPrev
                ? layers.FactorizedReduce(scope + "/preprocess0", s0, c0, c, size0, o.AffineCells)
                : layers.ReluConvBn(scope + "/preprocess0", s0, c0, c, kernel: 1, affine: o.AffineCells);
            states[1] = layers.ReluConvBn(scope + "/preprocess1", s1, c1, c, kernel: 1, affine: o.AffineCells);
            for (var node = 2; node < DartsCell.StateCount; node++)
            {
                var edges = new string[node];
                for (var input = 0; input < node; input++)
                {
                    var stride = reduction && input < 2 ? 2 : 1;
                    edges[input] = MixedEdge(layers, $"{scope}/edge_{node}_{input}", states[input], c, stride, size1,
                        reduction ? reduce : normal, EdgeIndex(node, input), o.AffineCells);
                }
                states[node] = layers.Sum($"{scope}/node{node}/sum", edges);
            }
            (s0, c0, size0) = (s1, c1, size1);
            s1 = layers.Concat(scope + "/concat", states[2..]);
            c1 = DartsCell.NodeCount * c;
            size1 = reduction ? DartsNetwork.Half(size1) : size1;
            reductionPrev = reduction;
        }
        x = layers.GlobalAveragePool("head/pool", s1);
        x = layers.Flatten("head/flatten", x);
        layers.Linear("head/fc", x, c1, o.Classes, OutputName);
        g.Output(OutputName, ElementType.Float, [batch, o.Classes]);
        return g.Model;
    }

    /// <summary>DARTS's <c>MixedOp</c>: Σ_op A[e, op] · op(x) over the seven ops that have a graph.</summary>
    private static string MixedEdge(LayerBuilder layers, string scope, string x, long c, long stride, long size,
        MixingWeights weights, int edge, bool affine)
    {
        var terms = new List<string>(OpCount - 1);
        foreach (var op in Enum.GetValues<DartsOp>())
        {
            if (op == DartsOp.None) continue;
            var opScope = $"{scope}/{op.Name()}";
            var y = DartsOps.Build(layers, opScope, op, x, c, stride, size, affine);
            if (op is DartsOp.MaxPool3x3 or DartsOp.AvgPool3x3) y = layers.BatchNormalization(opScope + "/bn", y, c, affine: false);
            terms.Add(weights.Mix(opScope, y, edge, (int)op));
        }
        return layers.Sum(scope + "/sum", terms);
    }

    private static void Validate(DartsSupernetOptions o)
    {
        var problems = new List<string>();
        if (o.C < 1) problems.Add($"C must be at least 1, got {o.C}");
        if (o.Layers < 1) problems.Add($"Layers must be at least 1, got {o.Layers}");
        if (o.Classes < 1) problems.Add($"Classes must be at least 1, got {o.Classes}");
        if (o.InputChannels < 1) problems.Add($"InputChannels must be at least 1, got {o.InputChannels}");
        if (o.InputSize < 1) problems.Add($"InputSize must be at least 1, got {o.InputSize}");
        if (o.Batch is < 1) problems.Add($"Batch must be at least 1 or null (symbolic), got {o.Batch}");
        if (!Enum.IsDefined(o.BatchNorm)) problems.Add($"BatchNorm mode {o.BatchNorm} is unknown");
        if (!Enum.IsDefined(o.Init)) problems.Add($"Init scheme {o.Init} is unknown");
        if (problems.Count > 0) throw new NasiException("DARTS supernet options: " + string.Join("; ", problems) + ".");
    }
}
