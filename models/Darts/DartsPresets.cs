using NasiOnnx.Engine;

namespace NasiOnnx.Models.Darts;

/// <summary>
/// Named genotypes. The published ones (DARTS-V1/V2, PC-DARTS, P-DARTS) are copied verbatim from the authors' public
/// <c>genotypes.py</c> files (never made up), each pinned by a test to its CIFAR-10 parameter count (C = 36, 20 layers)
/// and that count checked against the figure its paper publishes. NASI-FIX and NASI-ADA are not the NASI paper's cells
/// (we do not have those): they are what this engine's own search found, with the command, seed and date recorded on
/// each; they are untrained, and no accuracy is claimed for them.
/// </summary>
public static class DartsPresets
{
    /// <summary>
    /// DARTS, first-order search. Liu, Simonyan, Yang, "DARTS: Differentiable Architecture Search", ICLR 2019;
    /// github.com/quark0/darts, <c>cnn/genotypes.py</c> (<c>DARTS_V1</c>). 3,169,414 parameters on CIFAR-10 (the paper's
    /// Table 1 rounds both DARTS variants to 3.3M).
    /// </summary>
    public static DartsGenotype DartsV1 { get; } = DartsGenotype.Parse(
        "Genotype(normal=[('sep_conv_3x3', 1), ('sep_conv_3x3', 0), ('skip_connect', 0), ('sep_conv_3x3', 1), ('skip_connect', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 0), ('skip_connect', 2)], normal_concat=[2, 3, 4, 5], " +
        "reduce=[('max_pool_3x3', 0), ('max_pool_3x3', 1), ('skip_connect', 2), ('max_pool_3x3', 0), ('max_pool_3x3', 0), ('skip_connect', 2), ('skip_connect', 2), ('avg_pool_3x3', 0)], reduce_concat=[2, 3, 4, 5])");

    /// <summary>
    /// DARTS, second-order search (DARTS's default <c>--arch DARTS</c>). Same paper and file (<c>DARTS_V2</c>).
    /// 3,349,342 parameters on CIFAR-10, the figure DARTS's training log prints; 4.7M on ImageNet (paper, Table 3).
    /// </summary>
    public static DartsGenotype DartsV2 { get; } = DartsGenotype.Parse(
        "Genotype(normal=[('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 1), ('skip_connect', 0), ('skip_connect', 0), ('dil_conv_3x3', 2)], normal_concat=[2, 3, 4, 5], " +
        "reduce=[('max_pool_3x3', 0), ('max_pool_3x3', 1), ('skip_connect', 2), ('max_pool_3x3', 1), ('max_pool_3x3', 0), ('skip_connect', 2), ('skip_connect', 2), ('max_pool_3x3', 1)], reduce_concat=[2, 3, 4, 5])");

    /// <summary>
    /// PC-DARTS searched on CIFAR-10. Xu et al., "PC-DARTS: Partial Channel Connections for Memory-Efficient
    /// Architecture Search", ICLR 2020; github.com/yuhuixu1993/PC-DARTS, <c>genotypes.py</c> (<c>PC_DARTS_cifar</c>).
    /// 3.6M parameters on CIFAR-10 (paper, Table 1).
    /// </summary>
    public static DartsGenotype PcDarts { get; } = DartsGenotype.Parse(
        "Genotype(normal=[('sep_conv_3x3', 1), ('skip_connect', 0), ('sep_conv_3x3', 0), ('dil_conv_3x3', 1), ('sep_conv_5x5', 0), ('sep_conv_3x3', 1), ('avg_pool_3x3', 0), ('dil_conv_3x3', 1)], normal_concat=range(2, 6), " +
        "reduce=[('sep_conv_5x5', 1), ('max_pool_3x3', 0), ('sep_conv_5x5', 1), ('sep_conv_5x5', 2), ('sep_conv_3x3', 0), ('sep_conv_3x3', 3), ('sep_conv_3x3', 1), ('sep_conv_3x3', 2)], reduce_concat=range(2, 6))");

    /// <summary>
    /// PC-DARTS searched on ImageNet. Same paper and file (<c>PC_DARTS_image</c>). 5.3M parameters in the ImageNet
    /// mobile network (paper, Table 2).
    /// </summary>
    public static DartsGenotype PcDartsImageNet { get; } = DartsGenotype.Parse(
        "Genotype(normal=[('skip_connect', 1), ('sep_conv_3x3', 0), ('sep_conv_3x3', 0), ('skip_connect', 1), ('sep_conv_3x3', 1), ('sep_conv_3x3', 3), ('sep_conv_3x3', 1), ('dil_conv_5x5', 4)], normal_concat=range(2, 6), " +
        "reduce=[('sep_conv_3x3', 0), ('skip_connect', 1), ('dil_conv_5x5', 2), ('max_pool_3x3', 1), ('sep_conv_3x3', 2), ('sep_conv_3x3', 1), ('sep_conv_5x5', 0), ('sep_conv_3x3', 3)], reduce_concat=range(2, 6))");

    /// <summary>
    /// P-DARTS. Chen, Xie, Wu, Tian, "Progressive Differentiable Architecture Search: Bridging the Depth Gap between
    /// Search and Evaluation", ICCV 2019; github.com/chenxin061/pdarts, <c>genotypes.py</c> (<c>PDARTS</c>).
    /// 3.4M parameters on CIFAR-10, 4.9M on ImageNet (paper, Tables 1 and 3).
    /// </summary>
    public static DartsGenotype PDarts { get; } = DartsGenotype.Parse(
        "Genotype(normal=[('skip_connect', 0), ('dil_conv_3x3', 1), ('skip_connect', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 1), ('sep_conv_3x3', 3), ('sep_conv_3x3', 0), ('dil_conv_5x5', 4)], normal_concat=range(2, 6), " +
        "reduce=[('avg_pool_3x3', 0), ('sep_conv_5x5', 1), ('sep_conv_3x3', 0), ('dil_conv_5x5', 2), ('max_pool_3x3', 0), ('dil_conv_3x3', 1), ('dil_conv_3x3', 1), ('dil_conv_5x5', 3)], reduce_concat=range(2, 6))");

    /// <summary>
    /// NASI-FIX as found by this engine (not the NASI paper's genotype, which we do not have), untrained: no accuracy is
    /// claimed. Produced on 2026-11-29 by <c>nasi search --space darts --variant fix --samples 100 --batch 64 --seed 0
    /// --threads 1 --json</c> (commit 84796ba) with the search defaults chosen on NAS-Bench-201 (smooth Gaussian images,
    /// √A mixing, derivation among the real ops) and the paper's T = 100, batch 64, μ = 2: supernet C = 8 with 5 cells,
    /// τ = 1, ξ = 1, random labels, ν fixed at the largest S of 8 calibration samples at α₀ (ν = 59.829, exceeded by
    /// 2 of the 100 samples); CPU, ONNX Runtime 1.31.1, 47 min on one loaded core. Its normal cell is still pooling- and
    /// skip-heavy, unlike the paper's conv-heavy NASI cells (README, "DARTS genotypes and the NASI cells").
    /// </summary>
    public static DartsGenotype NasiFix { get; } = DartsGenotype.Parse(
        "Genotype(normal=[('max_pool_3x3', 1), ('max_pool_3x3', 0), ('max_pool_3x3', 2), ('avg_pool_3x3', 1), ('skip_connect', 3), ('max_pool_3x3', 2), ('skip_connect', 4), ('skip_connect', 3)], normal_concat=[2, 3, 4, 5], " +
        "reduce=[('max_pool_3x3', 1), ('sep_conv_5x5', 0), ('max_pool_3x3', 2), ('sep_conv_3x3', 0), ('max_pool_3x3', 2), ('max_pool_3x3', 3), ('max_pool_3x3', 2), ('max_pool_3x3', 4)], reduce_concat=[2, 3, 4, 5])");

    /// <summary>
    /// NASI-ADA as found by this engine (not the NASI paper's genotype, which we do not have), untrained: no accuracy is
    /// claimed. Produced on 2026-11-29 by <c>nasi search --space darts --variant ada --samples 100 --batch 64 --seed 0
    /// --threads 1 --json</c> (commit 84796ba), the same settings as <see cref="NasiFix"/> except that ν_t is the largest
    /// S seen so far (calibration included): it rose from 59.829 to 61.193. Same θ₀, batches and Gumbel
    /// draws, so the same S values; the few samples above ν differ, but α*'s argmax does not: the genotype is NASI-FIX's.
    /// 35 min on one loaded core.
    /// </summary>
    public static DartsGenotype NasiAda { get; } = DartsGenotype.Parse(
        "Genotype(normal=[('max_pool_3x3', 1), ('max_pool_3x3', 0), ('max_pool_3x3', 2), ('avg_pool_3x3', 1), ('skip_connect', 3), ('max_pool_3x3', 2), ('skip_connect', 4), ('skip_connect', 3)], normal_concat=[2, 3, 4, 5], " +
        "reduce=[('max_pool_3x3', 1), ('sep_conv_5x5', 0), ('max_pool_3x3', 2), ('sep_conv_3x3', 0), ('max_pool_3x3', 2), ('max_pool_3x3', 3), ('max_pool_3x3', 2), ('max_pool_3x3', 4)], reduce_concat=[2, 3, 4, 5])");

    /// <summary>The presets by canonical name.</summary>
    public static IReadOnlyDictionary<string, DartsGenotype> ByName { get; } = new Dictionary<string, DartsGenotype>(StringComparer.Ordinal)
    {
        ["darts-v1"] = DartsV1,
        ["darts-v2"] = DartsV2,
        ["pc-darts"] = PcDarts,
        ["pc-darts-imagenet"] = PcDartsImageNet,
        ["p-darts"] = PDarts,
        ["nasi-fix"] = NasiFix,
        ["nasi-ada"] = NasiAda,
    }.AsReadOnly();

    /// <summary>Other spellings the code repositories use, by <see cref="Key"/>.</summary>
    private static readonly Dictionary<string, string> Aliases = new(StringComparer.Ordinal)
    {
        ["darts"] = "darts-v2",          // DARTS's train.py default, --arch DARTS = DARTS_V2
        ["pcdartscifar"] = "pc-darts",   // PC_DARTS_cifar
        ["pcdartsimage"] = "pc-darts-imagenet", // PC_DARTS_image
    };

    private static readonly Dictionary<string, DartsGenotype> ByKey = BuildKeys();

    /// <summary>
    /// Looks a preset up ignoring case, '-' and '_': <c>darts-v2</c>, <c>DARTS_V2</c>, <c>dartsv2</c>, <c>PC_DARTS_cifar</c>,
    /// <c>pdarts</c> all work.
    /// </summary>
    public static bool TryGet(string name, out DartsGenotype? genotype)
    {
        ArgumentNullException.ThrowIfNull(name);
        return ByKey.TryGetValue(Key(name), out genotype);
    }

    /// <summary>As <see cref="TryGet"/>; an unknown name throws a <see cref="NasiException"/> listing the known ones.</summary>
    public static DartsGenotype Get(string name) =>
        TryGet(name, out var genotype)
            ? genotype!
            : throw new NasiException($"Unknown DARTS genotype preset '{name}' (known: {string.Join(", ", ByName.Keys)}).");

    private static string Key(string name) =>
        new(name.Where(c => c is not ('-' or '_') && !char.IsWhiteSpace(c)).Select(char.ToLowerInvariant).ToArray());

    private static Dictionary<string, DartsGenotype> BuildKeys()
    {
        var keys = ByName.ToDictionary(e => Key(e.Key), e => e.Value, StringComparer.Ordinal);
        foreach (var (alias, target) in Aliases) keys[alias] = ByName[target];
        return keys;
    }
}
