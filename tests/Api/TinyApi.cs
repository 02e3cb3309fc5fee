using NasiOnnx.Engine.Runtime;
using NasiOnnx.Engine.Scoring;
using NasiOnnx.Models.Darts;
using NasiOnnx.Models.Nb201;

namespace NasiOnnx.Tests.Api;

/// <summary>Network and scoring options small enough that one score through the API takes milliseconds.</summary>
public static class TinyApi
{
    public const string Cell = "|nor_conv_3x3~0|+|skip_connect~0|nor_conv_1x1~1|+|avg_pool_3x3~0|none~1|nor_conv_3x3~2|";

    public static Nb201NetworkOptions Nb201 { get; } = new() { C = 4, N = 1, InputSize = 8, Seed = 3 };

    public static DartsNetworkOptions Darts { get; } = new() { C = 4, Layers = 3, InputSize = 8, Seed = 3 };

    /// <summary>One intra-op thread: the same kernels partition work the same way whatever else runs.</summary>
    public static ScoringOptions Scoring { get; } = new()
    {
        BatchSize = 4,
        Seed = 3,
        Runtime = new RuntimeOptions { Provider = ExecutionProvider.Cpu, IntraOpThreads = 1 },
    };
}
