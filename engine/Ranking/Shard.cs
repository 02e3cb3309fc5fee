namespace NasiOnnx.Engine.Ranking;

/// <summary>
/// <c>--shard k/n</c>: the k-th of n deterministic slices of the inputs (1-based). Inputs are sorted by id first,
/// so every machine of a job array computes the same split whatever order it listed them in.
/// </summary>
public sealed record Shard(int Index, int Count)
{
    public static Shard All { get; } = new(1, 1);

    public static Shard Parse(string text)
    {
        var parts = text.Split('/');
        if (parts.Length == 2 && int.TryParse(parts[0], out var k) && int.TryParse(parts[1], out var n) && n >= 1 && k >= 1 && k <= n)
            return new Shard(k, n);
        throw new NasiException($"--shard '{text}': expected k/n with 1 ≤ k ≤ n, e.g. 3/8");
    }

    public IReadOnlyList<T> Select<T>(IEnumerable<T> items, Func<T, string> id) =>
        items.OrderBy(id, StringComparer.Ordinal).Where((_, i) => i % Count == Index - 1).ToList();

    public override string ToString() => $"{Index}/{Count}";
}
