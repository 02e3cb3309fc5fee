namespace NasiOnnx.Models.Darts;

/// <summary>
/// One (op, input) pair of a genotype: <paramref name="Op"/> applied to state <paramref name="Input"/>
/// (0 = s0, 1 = s1, 2.. = earlier intermediate nodes), summed into its node.
/// </summary>
public readonly record struct DartsEdge(DartsOp Op, int Input)
{
    /// <summary>The published form, e.g. <c>('sep_conv_3x3', 0)</c>.</summary>
    public override string ToString() => $"('{Op.Name()}', {Input})";
}
