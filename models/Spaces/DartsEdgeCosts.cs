using NasiOnnx.Engine.Autodiff;
using NasiOnnx.Engine.Costs;
using NasiOnnx.Engine.Graphs;
using NasiOnnx.Engine.Proxies;
using NasiOnnx.Models.Darts;

namespace NasiOnnx.Models.Spaces;

/// <summary>
/// A DARTS network's parameters and multiply-accumulates as a sum over its genotype's pairs: the cheapest genotype's
/// cost (stem, preprocessing, head: the same for every genotype, since every cell concatenates its four nodes) plus, for
/// each (op, input) pair, what that op adds across all the cells of its type. An op costs the same on every pair of a
/// normal cell, and in a reduction cell depends only on whether its input is s0/s1 (stride 2) or a node (stride 1), so
/// 21 built networks give every genotype's cost; tests check the sum against built networks.
/// </summary>
public sealed class DartsEdgeCosts
{
    private readonly ArchitectureCost _base;
    private readonly Dictionary<(bool Reduction, bool Stride2, DartsOp Op), ArchitectureCost> _added = [];

    public DartsEdgeCosts(DartsNetworkOptions network)
    {
        ArgumentNullException.ThrowIfNull(network);
        Network = network;
        _base = Count(DartsSearchSpace.CheapestGenotype);
        foreach (var op in Enum.GetValues<DartsOp>().Where(o => o is not DartsOp.None))
            foreach (var (reduction, stride2) in new[] { (false, false), (true, true), (true, false) })
            {
                // Node 2 pair 0 reads s0 (stride 2 in a reduction cell), node 3 pair 0 reads node 2 (stride 1).
                var cell = DartsSearchSpace.CheapestGenotype.Cell(reduction);
                var edges = cell.Edges.ToArray();
                edges[stride2 || !reduction ? 0 : 2] = new DartsEdge(op, stride2 || !reduction ? 0 : 2);
                var changed = new DartsCell(edges);
                var genotype = reduction ? new DartsGenotype(DartsSearchSpace.CheapestGenotype.Normal, changed) : new DartsGenotype(changed, DartsSearchSpace.CheapestGenotype.Reduce);
                var cost = Count(genotype);
                _added[(reduction, stride2, op)] = new ArchitectureCost(cost.Params - _base.Params, cost.Flops - _base.Flops);
            }
    }

    public DartsNetworkOptions Network { get; }

    /// <summary>What <paramref name="op"/> on a pair adds, in a normal or a reduction cell, reading s0/s1 or a node.</summary>
    public ArchitectureCost Added(DartsOp op, bool reduction, int input) =>
        op == DartsOp.None ? new ArchitectureCost(0, 0) : _added[(reduction, reduction && input < 2, op)];

    /// <summary>The cost of <paramref name="genotype"/>'s network, without building it.</summary>
    public ArchitectureCost Of(DartsGenotype genotype)
    {
        long p = _base.Params, f = _base.Flops;
        foreach (var reduction in new[] { false, true })
            foreach (var edge in genotype.Cell(reduction).Edges)
            {
                var a = Added(edge.Op, reduction, edge.Input);
                p += a.Params;
                f += a.Flops;
            }
        return new ArchitectureCost(p, f);
    }

    /// <summary>Counted on the built network: <see cref="ParameterSet"/> and <see cref="FlopCount"/> at batch 1.</summary>
    public ArchitectureCost Count(DartsGenotype genotype)
    {
        var model = DartsNetwork.BuildCifar(genotype, Network with { Seed = 0 });
        var shapes = StaticShapes.For(model, new Dictionary<string, long[]>
        {
            [DartsNetwork.InputName] = [1, Network.InputChannels, Network.InputSize, Network.InputSize],
        });
        return new ArchitectureCost(ParameterSet.Of(model).Count, FlopCount.Macs(model, shapes));
    }
}
