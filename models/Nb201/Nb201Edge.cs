namespace NasiOnnx.Models.Nb201;

/// <summary>One edge of a cell: <paramref name="Op"/> applied to node <paramref name="From"/>, summed into node <paramref name="To"/>.</summary>
public readonly record struct Nb201Edge(int To, int From, Nb201Op Op)
{
    /// <summary>The published form of the edge inside its node's group, e.g. <c>nor_conv_3x3~1</c>.</summary>
    public override string ToString() => $"{Op.Name()}~{From}";
}
