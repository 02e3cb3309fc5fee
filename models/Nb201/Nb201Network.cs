using NasiOnnx.Engine;
using NasiOnnx.Engine.Graphs;
using NasiOnnx.Engine.Init;
using NasiOnnx.Models.Layers;
using Onnx;

namespace NasiOnnx.Models.Nb201;

/// <summary>
/// Builds the NAS-Bench-201 network of a cell as an ONNX model (opset 17), exactly as SEARCH-SPACES.md defines it:
/// stem Conv3×3 + BN → N cells at C → residual block → N cells at 2C → residual block → N cells at 4C →
/// BN → ReLU → global average pool → Linear. Input <c>input</c> [batch, channels, H, W]; output <c>logits</c> [batch, classes].
/// </summary>
public static class Nb201Network
{
    public const string InputName = "input";
    public const string OutputName = "logits";

    /// <summary>
    /// Names: <c>stem/conv</c>, <c>stem/bn</c>; <c>stage{s}/cell{k}/edge_{to}_{from}/{relu,conv,bn,pool}</c> and
    /// <c>stage{s}/cell{k}/node{j}</c> (sums, zeros); <c>stage{s}/reduce/{a,b,shortcut}/…</c> before stages 1 and 2;
    /// <c>head/bn</c>, <c>head/fc</c>. Weights append <c>/W</c>, <c>/b</c>, <c>/scale</c>, <c>/bias</c> (<c>/mean</c>,
    /// <c>/var</c> are BN's running statistics).
    /// </summary>
    public static ModelProto Build(Nb201Cell cell, Nb201NetworkOptions options)
    {
        ArgumentNullException.ThrowIfNull(cell);
        ArgumentNullException.ThrowIfNull(options);
        return BuildSkeleton("nb201", $"NAS-Bench-201 network of cell {cell}", options,
            layers => (scope, x, c) => Cell(layers, scope, x, cell, c));
    }

    /// <summary>
    /// The parameter count of <see cref="Build"/>'s network (as <see cref="ParameterSet.Of"/> counts it), in closed
    /// form, without building it: stem Conv + BN, the two residual blocks, the head BN and Linear, and per cell
    /// 9c² + 2c for each <c>nor_conv_3x3</c> edge and c² + 2c for each <c>nor_conv_1x1</c> at its stage's c.
    /// </summary>
    public static long ParameterCount(Nb201Cell cell, Nb201NetworkOptions options)
    {
        ArgumentNullException.ThrowIfNull(cell);
        ArgumentNullException.ThrowIfNull(options);
        Validate(options);
        long c = options.C;
        long ConvBn(long inChannels, long outChannels, long kernel) => inChannels * outChannels * kernel * kernel + 2 * outChannels;
        long Reduce(long inChannels) => ConvBn(inChannels, 2 * inChannels, 3) + ConvBn(2 * inChannels, 2 * inChannels, 3) + inChannels * 2 * inChannels;
        long CellAt(long channels) => cell.Edges.Sum(e => e.Op switch
        {
            Nb201Op.NorConv3x3 => ConvBn(channels, channels, 3),
            Nb201Op.NorConv1x1 => ConvBn(channels, channels, 1),
            _ => 0L,
        });
        var stem = ConvBn(options.InputChannels, c, 3);
        var cells = options.N * (CellAt(c) + CellAt(2 * c) + CellAt(4 * c));
        var head = 2 * 4 * c + 4 * c * options.Classes + options.Classes;
        return stem + Reduce(c) + Reduce(2 * c) + cells + head;
    }

    /// <summary>
    /// The multiply-accumulates of one sample's forward pass through <see cref="Build"/>'s network (as
    /// <c>FlopCount.Macs</c> counts them: Conv and Linear only), in closed form: at stage s with c = 2ˢC channels on
    /// an H = InputSize/2ˢ map each <c>nor_conv_3x3</c> edge costs 9c²H² and each <c>nor_conv_1x1</c> c²H² per cell
    /// (a conv whose input is a zero node still runs, so it counts), plus the stem, the two residual blocks and the head.
    /// </summary>
    public static long MacCount(Nb201Cell cell, Nb201NetworkOptions options)
    {
        ArgumentNullException.ThrowIfNull(cell);
        ArgumentNullException.ThrowIfNull(options);
        Validate(options);
        long c = options.C, h = options.InputSize;
        long Conv(long inChannels, long outChannels, long kernel, long size) => outChannels * size * size * inChannels * kernel * kernel;
        // a 3×3 stride-2 conv into 2c at h/2, a 3×3 conv at h/2, and the shortcut's 1×1 conv after a 2×2 pool
        long Reduce(long inChannels, long size) => Conv(inChannels, 2 * inChannels, 3, size / 2) + Conv(2 * inChannels, 2 * inChannels, 3, size / 2)
                                                   + Conv(inChannels, 2 * inChannels, 1, size / 2);
        long CellAt(long channels, long size) => cell.Edges.Sum(e => e.Op switch
        {
            Nb201Op.NorConv3x3 => Conv(channels, channels, 3, size),
            Nb201Op.NorConv1x1 => Conv(channels, channels, 1, size),
            _ => 0L,
        });
        var stem = Conv(options.InputChannels, c, 3, h);
        var cells = options.N * (CellAt(c, h) + CellAt(2 * c, h / 2) + CellAt(4 * c, h / 4));
        var head = 4 * c * options.Classes;
        return stem + Reduce(c, h) + Reduce(2 * c, h / 2) + cells + head;
    }

    /// <summary>Emits one cell under <c>scope</c> on <c>input</c> with <c>c</c> channels and returns its output.</summary>
    internal delegate string CellEmitter(string scope, string input, long c);

    /// <summary>
    /// The macro skeleton around the cells, shared with <see cref="Nb201Supernet"/>: <paramref name="prepare"/> runs once
    /// the input is declared (to declare more inputs) and returns what emits each cell.
    /// </summary>
    internal static ModelProto BuildSkeleton(string graphName, string description, Nb201NetworkOptions options,
        Func<LayerBuilder, CellEmitter> prepare)
    {
        Validate(options);
        var g = GraphBuilder.Create(graphName);
        g.Model.DocString = $"{description}: C={options.C}, N={options.N}, classes={options.Classes}, " +
                            $"input {options.InputChannels}x{options.InputSize}x{options.InputSize}, BN {options.BatchNorm}, " +
                            $"init {options.Init}, seed {options.Seed}";
        var layers = new LayerBuilder(g, new WeightSampler(options.Seed, options.Init), options.BatchNorm);
        var batch = options.Batch ?? GraphBuilder.SymbolicBatch;
        var x = g.Input(InputName, ElementType.Float, batch, options.InputChannels, options.InputSize, options.InputSize);
        var cell = prepare(layers);

        long c = options.C;
        x = layers.Conv("stem/conv", x, options.InputChannels, c, kernel: 3, pad: 1);
        x = layers.BatchNormalization("stem/bn", x, c);
        for (var stage = 0; stage < 3; stage++)
        {
            if (stage > 0)
            {
                x = ResidualBlock(layers, $"stage{stage}/reduce", x, c, 2 * c);
                c *= 2;
            }
            for (var k = 0; k < options.N; k++) x = cell($"stage{stage}/cell{k}", x, c);
        }
        x = layers.BatchNormalization("head/bn", x, c);
        x = layers.Relu("head/relu", x);
        x = layers.GlobalAveragePool("head/pool", x);
        x = layers.Flatten("head/flatten", x);
        layers.Linear("head/fc", x, c, options.Classes, OutputName);
        g.Output(OutputName, ElementType.Float, [batch, options.Classes]);
        return g.Model;
    }

    /// <summary>
    /// One cell: node j sums op(j, i)(node i) over its live edges; <c>none</c> edges emit nothing, and a node
    /// without any other edge is zeros. Ops on a zero node are still emitted (their BN bias is a parameter
    /// with a gradient, as in NAS-Bench-201's PyTorch code), so parameter counts match the benchmark's.
    /// </summary>
    private static string Cell(LayerBuilder layers, string scope, string input, Nb201Cell cell, long c)
    {
        var nodes = new string[Nb201Cell.NodeCount];
        nodes[0] = input;
        for (var to = 1; to < Nb201Cell.NodeCount; to++)
        {
            var terms = new List<string>();
            for (var from = 0; from < to; from++)
            {
                var edge = $"{scope}/edge_{to}_{from}";
                var x = nodes[from];
                switch (cell[to, from])
                {
                    case Nb201Op.None:
                        break;
                    case Nb201Op.SkipConnect:
                        terms.Add(x);
                        break;
                    case Nb201Op.NorConv1x1:
                        terms.Add(layers.ReluConvBn(edge, x, c, c, kernel: 1));
                        break;
                    case Nb201Op.NorConv3x3:
                        terms.Add(layers.ReluConvBn(edge, x, c, c, kernel: 3, pad: 1));
                        break;
                    case Nb201Op.AvgPool3x3:
                        terms.Add(layers.AveragePool(edge + "/pool", x, kernel: 3, stride: 1, pad: 1));
                        break;
                    default:
                        throw new ArgumentOutOfRangeException(nameof(cell), cell[to, from], $"Unknown op on edge {to}←{from}.");
                }
            }
            nodes[to] = terms.Count == 0
                ? layers.ZerosLike($"{scope}/node{to}/zeros", input)
                : layers.Sum($"{scope}/node{to}/sum", terms);
        }
        return nodes[^1];
    }

    /// <summary>NAS-Bench-201's ResNetBasicblock with stride 2: shortcut(x) + b(a(x)), shortcut = AvgPool 2×2 → Conv 1×1.</summary>
    private static string ResidualBlock(LayerBuilder layers, string scope, string x, long inChannels, long outChannels)
    {
        var a = layers.ReluConvBn(scope + "/a", x, inChannels, outChannels, kernel: 3, stride: 2, pad: 1);
        var b = layers.ReluConvBn(scope + "/b", a, outChannels, outChannels, kernel: 3, pad: 1);
        var pooled = layers.AveragePool(scope + "/shortcut/pool", x, kernel: 2, stride: 2, pad: 0);
        var shortcut = layers.Conv(scope + "/shortcut/conv", pooled, inChannels, outChannels, kernel: 1);
        return layers.Sum(scope + "/sum", [shortcut, b]);
    }

    private static void Validate(Nb201NetworkOptions o)
    {
        var problems = new List<string>();
        if (o.C < 1) problems.Add($"C must be at least 1, got {o.C}");
        if (o.N < 0) problems.Add($"N must be at least 0, got {o.N}");
        if (o.Classes < 1) problems.Add($"Classes must be at least 1, got {o.Classes}");
        if (o.InputChannels < 1) problems.Add($"InputChannels must be at least 1, got {o.InputChannels}");
        if (o.InputSize < 4 || o.InputSize % 4 != 0)
            problems.Add($"InputSize must be a positive multiple of 4 (two stride-2 reductions), got {o.InputSize}");
        if (o.Batch is < 1) problems.Add($"Batch must be at least 1 or null (symbolic), got {o.Batch}");
        if (!Enum.IsDefined(o.BatchNorm)) problems.Add($"BatchNorm mode {o.BatchNorm} is unknown");
        if (!Enum.IsDefined(o.Init)) problems.Add($"Init scheme {o.Init} is unknown");
        if (problems.Count > 0) throw new NasiException("NAS-Bench-201 network options: " + string.Join("; ", problems) + ".");
    }
}
