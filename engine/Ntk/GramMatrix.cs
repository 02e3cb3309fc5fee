namespace NasiOnnx.Engine.Ntk;

/// <summary>A symmetric matrix, row-major in <see cref="Values"/> (a flat array so it serializes to JSON as is).</summary>
public sealed record GramMatrix(int Size, double[] Values)
{
    public double this[int row, int column] => Values[row * Size + column];
}
