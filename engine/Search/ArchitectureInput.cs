namespace NasiOnnx.Engine.Search;

/// <summary>
/// A supernet graph input that carries mixing weights A: one row per edge, one column per candidate op, each row
/// a softmax over the ops (the search computes it; the supernet only multiplies and sums).
/// </summary>
public sealed record ArchitectureInput(string Name, int Edges, int Ops)
{
    public int Count => Edges * Ops;
    public long[] Shape => [Edges, Ops];
}
