namespace NasiOnnx.Models.Darts;

/// <summary>The one table between <see cref="DartsOp"/> values and the names DARTS publishes.</summary>
public static class DartsOpNames
{
    private static readonly (DartsOp Op, string Name)[] Table =
    [
        (DartsOp.None, "none"),
        (DartsOp.MaxPool3x3, "max_pool_3x3"),
        (DartsOp.AvgPool3x3, "avg_pool_3x3"),
        (DartsOp.SkipConnect, "skip_connect"),
        (DartsOp.SepConv3x3, "sep_conv_3x3"),
        (DartsOp.SepConv5x5, "sep_conv_5x5"),
        (DartsOp.DilConv3x3, "dil_conv_3x3"),
        (DartsOp.DilConv5x5, "dil_conv_5x5"),
    ];

    private static readonly Dictionary<string, DartsOp> ByName =
        Table.ToDictionary(e => e.Name, e => e.Op, StringComparer.Ordinal);

    /// <summary>Number of ops, <c>none</c> included: the width of an architecture-weight row.</summary>
    public static int Count => Table.Length;

    /// <summary>Every published name, in <see cref="DartsOp"/> order.</summary>
    public static IReadOnlyList<string> All { get; } = Table.Select(e => e.Name).ToArray();

    /// <summary>The published name, e.g. <c>sep_conv_3x3</c>.</summary>
    public static string Name(this DartsOp op) =>
        (uint)op < (uint)Table.Length ? Table[(int)op].Name : throw new ArgumentOutOfRangeException(nameof(op), op, null);

    /// <summary>Looks up a published name, case-sensitively (DARTS's strings are lower case).</summary>
    public static bool TryParse(string name, out DartsOp op) => ByName.TryGetValue(name, out op);
}
