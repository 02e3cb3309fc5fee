using NasiOnnx.Engine.Init;

namespace NasiOnnx.Engine.Search;

/// <summary>
/// Regularized (aging) evolution, Real et al., "Regularized Evolution for Image Classifier Architecture Search",
/// AAAI 2019, over architectures written as one op index per edge, driven by a training-free score instead of trained
/// accuracy, and restricted to feasible architectures. Beyond NASI. Each cycle draws <see cref="EvolutionOptions.Tournament"/>
/// members of the population, mutates the best one (one edge to another allowed op; mutations into an architecture
/// already scored or an infeasible one are redrawn, so every evaluation is a new feasible architecture), scores the child,
/// adds it and drops the oldest member. Seeded: the same start and seed give the same children.
/// </summary>
public static class RegularizedEvolution
{
    /// <param name="start">Scored architectures to begin from; the population is the best <see cref="EvolutionOptions.Population"/> of them.</param>
    /// <param name="allowedOps">The op indices an edge may take.</param>
    /// <param name="options">Evaluations, population, tournament, seed.</param>
    /// <param name="key">An architecture's identity (two genomes of one key are scored once).</param>
    /// <param name="feasible">Whether an architecture meets the budget; only those are scored.</param>
    /// <param name="objective">The score R of an architecture; higher is better.</param>
    /// <param name="cancellationToken">Stops between children.</param>
    /// <returns>The children in the order they were scored (possibly fewer than asked, when no new feasible mutation is left).</returns>
    public static IReadOnlyList<(int[] Genome, double R)> Run(IReadOnlyList<(int[] Genome, double R)> start, IReadOnlyList<int> allowedOps,
        EvolutionOptions options, Func<int[], string> key, Func<int[], bool> feasible, Func<int[], double> objective,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(start);
        options.Validate();
        if (start.Count == 0) throw new NasiException("evolution needs at least one scored architecture to start from");
        if (allowedOps.Count < 2) throw new NasiException("evolution needs at least two ops per edge to mutate");
        var rng = Rng.For(options.Seed, "evolution");
        var seen = new HashSet<string>(start.Select(s => key(s.Genome)), StringComparer.Ordinal);
        var population = new Queue<(int[] Genome, double R)>(start.Select((s, i) => (s, i)).OrderByDescending(x => x.s.R).ThenBy(x => x.i)
            .Take(options.Population).Select(x => x.s));
        var children = new List<(int[] Genome, double R)>();
        while (children.Count < options.Evaluations)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var members = population.ToArray();
            var parent = Enumerable.Range(0, Math.Min(options.Tournament, members.Length)).Select(_ => members[rng.NextInt(members.Length)])
                .Aggregate((a, b) => b.R > a.R ? b : a);
            int[]? child = null;
            for (var attempt = 0; attempt < MaxMutations && child is null; attempt++)
            {
                var candidate = (int[])parent.Genome.Clone();
                // After many refusals (a tight budget around the parent), mutate two edges at once.
                for (var m = 0; m < (attempt < MaxMutations / 2 ? 1 : 2); m++)
                {
                    var edge = rng.NextInt(candidate.Length);
                    var others = allowedOps.Where(o => o != candidate[edge]).ToArray();
                    candidate[edge] = others[rng.NextInt(others.Length)];
                }
                if (!seen.Contains(key(candidate)) && feasible(candidate)) child = candidate;
            }
            if (child is null) break;
            seen.Add(key(child));
            var scored = (child, objective(child));
            if (!double.IsFinite(scored.Item2)) throw new NasiException($"evolution: the objective is {scored.Item2} at child {children.Count}: a search needs a finite score");
            children.Add(scored);
            population.Enqueue(scored);
            if (population.Count > options.Population) population.Dequeue();
        }
        return children;
    }

    /// <summary>Mutations tried per cycle before the search stops early.</summary>
    public const int MaxMutations = 200;
}
