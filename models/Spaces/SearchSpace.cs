using NasiOnnx.Engine.Search;
using Onnx;

namespace NasiOnnx.Models.Spaces;

/// <summary>
/// What the NASI search needs from a search space: its supernet (mixing weights as graph inputs), those inputs,
/// the rule that turns α* into an architecture, and the evaluation network of that architecture.
/// </summary>
public abstract class SearchSpace
{
    /// <summary>"nb201" or "darts".</summary>
    public abstract string Name { get; }

    public abstract IReadOnlyList<ArchitectureInput> ArchitectureInputs { get; }

    /// <summary>The supernet at the search size, its weights θ₀ seeded by <paramref name="seed"/>.</summary>
    public abstract ModelProto BuildSupernet(ulong seed);

    /// <summary>The architecture α* selects, as its space's string (cell string or genotype).</summary>
    public abstract string Derive(IReadOnlyDictionary<string, double[]> alpha);

    /// <summary>The evaluation network of a derived architecture, with seeded initial weights.</summary>
    public abstract ModelProto BuildNetwork(string architecture, ulong seed);

    protected static float[] ToFloats(IReadOnlyDictionary<string, double[]> alpha, string name) =>
        alpha.TryGetValue(name, out var values)
            ? values.Select(v => (float)v).ToArray()
            : throw new ArgumentException($"No architecture weights named '{name}'.", nameof(alpha));
}
