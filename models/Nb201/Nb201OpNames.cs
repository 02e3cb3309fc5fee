namespace NasiOnnx.Models.Nb201;

/// <summary>The one table between <see cref="Nb201Op"/> values and the names NAS-Bench-201 publishes.</summary>
public static class Nb201OpNames
{
    // In declaration order, so an op's value is its row (a test checks both directions).
    private static readonly (Nb201Op Op, string Name)[] Table =
    [
        (Nb201Op.None, "none"),
        (Nb201Op.SkipConnect, "skip_connect"),
        (Nb201Op.NorConv1x1, "nor_conv_1x1"),
        (Nb201Op.NorConv3x3, "nor_conv_3x3"),
        (Nb201Op.AvgPool3x3, "avg_pool_3x3"),
    ];

    private static readonly Dictionary<string, Nb201Op> ByName =
        Table.ToDictionary(e => e.Name, e => e.Op, StringComparer.Ordinal);

    /// <summary>Every published name, in <see cref="Nb201Op"/> order.</summary>
    public static IReadOnlyList<string> All { get; } = Table.Select(e => e.Name).ToArray();

    /// <summary>The published name, e.g. <c>nor_conv_3x3</c>.</summary>
    public static string Name(this Nb201Op op) =>
        (uint)op < (uint)Table.Length ? Table[(int)op].Name : throw new ArgumentOutOfRangeException(nameof(op), op, null);

    /// <summary>Looks up a published name, case-sensitively (the benchmark's strings are lower case).</summary>
    public static bool TryParse(string name, out Nb201Op op) => ByName.TryGetValue(name, out op);
}
