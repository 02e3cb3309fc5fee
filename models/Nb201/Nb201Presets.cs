namespace NasiOnnx.Models.Nb201;

/// <summary>
/// Named reference cells, all taken from <c>shared/nb201/dev_sample_1000.csv</c> or
/// <c>shared/docs/SEARCH-SPACES.md</c> (never made up); tests pin each one's parameter count and source row.
/// </summary>
public static class Nb201Presets
{
    /// <summary>
    /// NATS-Bench index 13714, the best CIFAR-10 (94.37 %) and CIFAR-100 (73.09 %) cell of the 1,000-cell sample;
    /// 1,073,466 parameters.
    /// </summary>
    public static Nb201Cell SampleBestCifar10 { get; } =
        Nb201Cell.Parse("|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_1x1~1|nor_conv_3x3~2|");

    /// <summary>NATS-Bench index 4208, the best ImageNet16-120 cell (46.55 %) of the sample; 643,386 parameters.</summary>
    public static Nb201Cell SampleBestImageNet16 { get; } =
        Nb201Cell.Parse("|nor_conv_3x3~0|+|nor_conv_1x1~0|nor_conv_1x1~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|");

    /// <summary>
    /// NATS-Bench index 3, the convolution-free cell SEARCH-SPACES.md uses as its exact check: 73,306 parameters,
    /// all of them outside the cells.
    /// </summary>
    public static Nb201Cell NoConv { get; } =
        Nb201Cell.Parse("|avg_pool_3x3~0|+|skip_connect~0|none~1|+|none~0|none~1|skip_connect~2|");

    /// <summary>The presets by the names the command line accepts.</summary>
    public static IReadOnlyDictionary<string, Nb201Cell> ByName { get; } = new Dictionary<string, Nb201Cell>(StringComparer.Ordinal)
    {
        ["sample-best-c10"] = SampleBestCifar10,
        ["sample-best-in16"] = SampleBestImageNet16,
        ["no-conv"] = NoConv,
    };
}
