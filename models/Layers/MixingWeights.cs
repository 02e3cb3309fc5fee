using NasiOnnx.Engine.Graphs;

namespace NasiOnnx.Models.Layers;

/// <summary>
/// A supernet's architecture weights: one graph input [edges, ops] and its scalars A[e, op] as [1, 1] slices, each
/// made on first use and shared by every cell that reads it. Slice rather than Gather because Slice has a gradient
/// rule, so ∂/∂A flows back to the input; a [1, 1] value broadcasts against [batch, C, H, W] in Mul.
/// </summary>
internal sealed class MixingWeights
{
    private readonly string?[,] _scalars;
    private readonly GraphBuilder _graph;
    private readonly LayerBuilder _layers;
    private readonly string _input;
    private readonly string _scope;
    private readonly IReadOnlyList<string> _opNames;

    /// <summary>Declares the input <paramref name="inputName"/> [edges, opNames.Count] at once, so a supernet always takes it.</summary>
    public MixingWeights(LayerBuilder layers, string inputName, string scope, int edges, IReadOnlyList<string> opNames)
    {
        (_graph, _layers, _input, _scope, _opNames) = (layers.Graph, layers, inputName, scope, opNames);
        _scalars = new string?[edges, opNames.Count];
        _graph.Input(inputName, ElementType.Float, edges, opNames.Count);
    }

    /// <summary>A[<paramref name="edge"/>, <paramref name="op"/>] as a [1, 1] value named <c>scope/e{edge}_{op name}</c>.</summary>
    public string this[int edge, int op]
    {
        get
        {
            if (_scalars[edge, op] is { } existing) return existing;
            var name = $"{_scope}/e{edge}_{_opNames[op]}";
            return _scalars[edge, op] = _layers.Op(name, "Slice",
            [
                _input,
                _graph.Int64Constant(name + "/starts", edge, op),
                _graph.Int64Constant(name + "/ends", edge + 1, op + 1),
                _graph.Int64Constant(name + "/axes", 0, 1),
            ]);
        }
    }

    /// <summary><paramref name="x"/> · A[edge, op], named <c>{opScope}/mix</c>.</summary>
    public string Mix(string opScope, string x, int edge, int op) => _layers.Op(opScope + "/mix", "Mul", [x, this[edge, op]]);
}
