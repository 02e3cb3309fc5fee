using NasiOnnx.Engine;
using NasiOnnx.Engine.Graphs;
using NasiOnnx.Engine.Init;
using NasiOnnx.Models.Layers;
using Onnx;

namespace NasiOnnx.Models.Darts;

/// <summary>
/// Builds DARTS evaluation networks of a genotype as ONNX models (opset 17), as DARTS's <c>cnn/model.py</c> defines
/// them (<c>NetworkCIFAR</c>, <c>NetworkImageNet</c>): input <c>input</c> [batch, channels, size, size], output
/// <c>logits</c> [batch, classes], with the auxiliary head a second output <c>aux_logits</c>. Cells: s0 is preprocessed
/// by FactorizedReduce after a reduction cell, else ReLU-Conv1×1-BN, s1 by ReLU-Conv1×1-BN; ops on s0/s1 in a reduction
/// cell have stride 2; the output concatenates the concat states. Drop-path is a training device and is left out.
/// </summary>
public static class DartsNetwork
{
    public const string InputName = "input";
    public const string OutputName = "logits";
    public const string AuxiliaryOutputName = "aux_logits";

    /// <summary>
    /// The CIFAR network: stem Conv3×3 (3 → 3C) + BN, <c>Layers</c> cells (reductions at Layers/3 and 2·Layers/3),
    /// global average pool → Linear. Names: <c>stem/{conv,bn}</c>; <c>cell{i}/preprocess{0,1}/…</c>,
    /// <c>cell{i}/node{s}/op{k}/…</c> (pair k of state s, see <see cref="DartsOps"/>), <c>cell{i}/node{s}/sum</c>,
    /// <c>cell{i}/concat</c>; <c>aux/…</c>; <c>head/{pool,flatten,fc}</c>.
    /// </summary>
    public static ModelProto BuildCifar(DartsGenotype genotype, DartsNetworkOptions options)
    {
        ArgumentNullException.ThrowIfNull(genotype);
        ArgumentNullException.ThrowIfNull(options);
        Validate(options, imageNet: false);
        var (g, layers, batch, x) = Start("darts_cifar", genotype, options);

        long stem = 3L * options.C;
        x = layers.Conv("stem/conv", x, options.InputChannels, stem, kernel: 3, pad: 1);
        x = layers.BatchNormalization("stem/bn", x, stem);
        var trunk = new Trunk(x, stem, options.InputSize, x, stem, options.InputSize, ReductionPrev: false);
        return Finish(g, layers, genotype, options, batch, trunk, AuxiliaryCifar);
    }

    /// <summary>
    /// The mobile ImageNet network: stem0 = Conv3×3 s2 (3 → C/2) + BN + ReLU + Conv3×3 s2 (C/2 → C) + BN,
    /// stem1 = ReLU + Conv3×3 s2 + BN; the first cell takes s0 = stem0, s1 = stem1 and counts as following a reduction
    /// (its s0 goes through FactorizedReduce). The head's AvgPool 7 on the 7×7 map of a 224 input is the global
    /// average pool used here, which also serves other input sizes. Names as <see cref="BuildCifar"/>, stems <c>stem0/…</c>, <c>stem1/…</c>.
    /// </summary>
    public static ModelProto BuildImageNet(DartsGenotype genotype, DartsNetworkOptions options)
    {
        ArgumentNullException.ThrowIfNull(genotype);
        ArgumentNullException.ThrowIfNull(options);
        Validate(options, imageNet: true);
        var (g, layers, batch, x) = Start("darts_imagenet", genotype, options);

        long c = options.C, half = c / 2, size = options.InputSize;
        x = layers.Conv("stem0/conv1", x, options.InputChannels, half, kernel: 3, stride: 2, pad: 1);
        x = layers.BatchNormalization("stem0/bn1", x, half);
        x = layers.Relu("stem0/relu", x);
        x = layers.Conv("stem0/conv2", x, half, c, kernel: 3, stride: 2, pad: 1);
        var s0 = layers.BatchNormalization("stem0/bn2", x, c);
        var size0 = Half(Half(size));
        var s1 = layers.ReluConvBn("stem1", s0, c, c, kernel: 3, stride: 2, pad: 1);
        var trunk = new Trunk(s0, c, size0, s1, c, Half(size0), ReductionPrev: true);
        return Finish(g, layers, genotype, options, batch, trunk, AuxiliaryImageNet);
    }

    /// <summary>The two most recent states between cells, with their channels and spatial size.</summary>
    private readonly record struct Trunk(string S0, long C0, long Size0, string S1, long C1, long Size1, bool ReductionPrev);

    private delegate string AuxiliaryHead(LayerBuilder layers, string x, long channels, long size, int classes);

    private static (GraphBuilder, LayerBuilder, long, string) Start(string name, DartsGenotype genotype, DartsNetworkOptions o)
    {
        var g = GraphBuilder.Create(name);
        g.Model.DocString = $"DARTS {name} network of {genotype}: C={o.C}, layers={o.Layers}, classes={o.Classes}, " +
                            $"input {o.InputChannels}x{o.InputSize}x{o.InputSize}, auxiliary {o.Auxiliary}, BN {o.BatchNorm}, " +
                            $"init {o.Init}, seed {o.Seed}";
        var layers = new LayerBuilder(g, new WeightSampler(o.Seed, o.Init), o.BatchNorm);
        var batch = o.Batch ?? GraphBuilder.SymbolicBatch;
        var x = g.Input(InputName, ElementType.Float, batch, o.InputChannels, o.InputSize, o.InputSize);
        return (g, layers, batch, x);
    }

    /// <summary>The cells, the optional auxiliary head and the classifier; both skeletons share them.</summary>
    private static ModelProto Finish(GraphBuilder g, LayerBuilder layers, DartsGenotype genotype, DartsNetworkOptions o,
        long batch, Trunk t, AuxiliaryHead auxiliary)
    {
        long c = o.C;
        for (var i = 0; i < o.Layers; i++)
        {
            var reduction = IsReduction(i, o.Layers);
            if (reduction) c *= 2;
            var cell = genotype.Cell(reduction);
            var output = Cell(layers, $"cell{i}", t, cell, c, reduction);
            var size = reduction ? Half(t.Size1) : t.Size1;
            t = new Trunk(t.S1, t.C1, t.Size1, output, cell.Concat.Count * c, size, reduction);
            if (o.Auxiliary && i == AuxiliaryCell(o.Layers)) auxiliary(layers, t.S1, t.C1, t.Size1, o.Classes);
        }
        var x = layers.GlobalAveragePool("head/pool", t.S1);
        x = layers.Flatten("head/flatten", x);
        layers.Linear("head/fc", x, t.C1, o.Classes, OutputName);
        // logits first: whoever takes a model's first output gets the main head
        g.Output(OutputName, ElementType.Float, [batch, o.Classes]);
        if (o.Auxiliary) g.Output(AuxiliaryOutputName, ElementType.Float, [batch, o.Classes]);
        return g.Model;
    }

    /// <summary>DARTS's evaluation <c>Cell</c>: preprocess s0 and s1 to C channels, four nodes of two ops each, concat.</summary>
    private static string Cell(LayerBuilder layers, string scope, Trunk t, DartsCell cell, long c, bool reduction)
    {
        var states = new string[DartsCell.StateCount];
        states[0] = t.ReductionPrev
            ? layers.FactorizedReduce(scope + "/preprocess0", t.S0, t.C0, c, t.Size0)
            : layers.ReluConvBn(scope + "/preprocess0", t.S0, t.C0, c, kernel: 1);
        states[1] = layers.ReluConvBn(scope + "/preprocess1", t.S1, t.C1, c, kernel: 1);
        for (var node = 2; node < DartsCell.StateCount; node++)
        {
            var terms = new string[DartsCell.InputsPerNode];
            for (var k = 0; k < DartsCell.InputsPerNode; k++)
            {
                var (op, input) = cell[node, k];
                var stride = reduction && input < 2 ? 2 : 1;
                terms[k] = DartsOps.Build(layers, $"{scope}/node{node}/op{k}", op, states[input], c, stride, t.Size1);
            }
            states[node] = layers.Sum($"{scope}/node{node}/sum", terms);
        }
        return layers.Concat(scope + "/concat", cell.Concat.Select(s => states[s]).ToArray());
    }

    /// <summary>
    /// <c>AuxiliaryHeadCIFAR</c>: ReLU → AvgPool 5 stride 3 → Conv1×1 (→128) + BN + ReLU → Conv2×2 (→768) + BN + ReLU → Linear.
    /// </summary>
    private static string AuxiliaryCifar(LayerBuilder layers, string x, long channels, long size, int classes) =>
        Auxiliary(layers, x, channels, size, classes, poolStride: 3, finalBatchNorm: true);

    /// <summary>
    /// <c>AuxiliaryHeadImageNet</c>: as the CIFAR head with AvgPool stride 2 and without the BN after the 2×2 conv, which
    /// DARTS's code leaves commented out "for consistency with the experiments in the paper".
    /// </summary>
    private static string AuxiliaryImageNet(LayerBuilder layers, string x, long channels, long size, int classes) =>
        Auxiliary(layers, x, channels, size, classes, poolStride: 2, finalBatchNorm: false);

    private static string Auxiliary(LayerBuilder layers, string x, long channels, long size, int classes, long poolStride, bool finalBatchNorm)
    {
        // DARTS's Linear(768, classes) needs the features to end 1×1: the pool must leave exactly 2×2.
        var pooled = size < 5 ? 0 : (size - 5) / poolStride + 1;
        if (pooled != 2)
            throw new NasiException($"DARTS auxiliary head: its input is {size}×{size}, which AvgPool 5 stride {poolStride} makes " +
                                    $"{pooled}×{pooled}, not the 2×2 the head needs (CIFAR: input size 32; ImageNet: 224).");
        x = layers.Relu("aux/relu0", x);
        x = layers.AveragePool("aux/pool", x, kernel: 5, stride: poolStride, pad: 0);
        x = layers.Conv("aux/conv1", x, channels, 128, kernel: 1);
        x = layers.BatchNormalization("aux/bn1", x, 128);
        x = layers.Relu("aux/relu1", x);
        x = layers.Conv("aux/conv2", x, 128, 768, kernel: 2);
        if (finalBatchNorm) x = layers.BatchNormalization("aux/bn2", x, 768);
        x = layers.Relu("aux/relu2", x);
        x = layers.Flatten("aux/flatten", x);
        return layers.Linear("aux/fc", x, 768, classes, AuxiliaryOutputName);
    }

    /// <summary>True for the reduction cells, at Layers/3 and 2·Layers/3 (DARTS's rule; both coincide when Layers &lt; 3).</summary>
    public static bool IsReduction(int cell, int layers) => cell == layers / 3 || cell == 2 * layers / 3;

    /// <summary>The cell after which the auxiliary head taps the network: 2·Layers/3.</summary>
    public static int AuxiliaryCell(int layers) => 2 * layers / 3;

    /// <summary>⌈size/2⌉: what every stride-2 op and FactorizedReduce gives.</summary>
    internal static long Half(long size) => (size + 1) / 2;

    private static void Validate(DartsNetworkOptions o, bool imageNet)
    {
        var problems = new List<string>();
        if (o.C < 1) problems.Add($"C must be at least 1, got {o.C}");
        if (imageNet && o.C % 2 != 0) problems.Add($"C must be even for the ImageNet network (stem0 has C/2 channels, the first cell a FactorizedReduce to C), got {o.C}");
        if (o.Layers < 1) problems.Add($"Layers must be at least 1, got {o.Layers}");
        if (o.Classes < 1) problems.Add($"Classes must be at least 1, got {o.Classes}");
        if (o.InputChannels < 1) problems.Add($"InputChannels must be at least 1, got {o.InputChannels}");
        if (o.InputSize < 1) problems.Add($"InputSize must be at least 1, got {o.InputSize}");
        if (o.Batch is < 1) problems.Add($"Batch must be at least 1 or null (symbolic), got {o.Batch}");
        if (!Enum.IsDefined(o.BatchNorm)) problems.Add($"BatchNorm mode {o.BatchNorm} is unknown");
        if (!Enum.IsDefined(o.Init)) problems.Add($"Init scheme {o.Init} is unknown");
        if (problems.Count > 0) throw new NasiException("DARTS network options: " + string.Join("; ", problems) + ".");
    }
}
