using NasiOnnx.Engine.Graphs;
using NasiOnnx.Engine.Runtime;
using NasiOnnx.Engine.Scoring;
using Onnx;

namespace NasiOnnx.Engine.Proxies;

/// <summary>
/// One forward pass of the model as scored, on the batch, with intermediate values exposed
/// (<see cref="ActivationTaps"/>): the input of every Relu node (NASWOT's codes), and sample 0 of every node's
/// 4-D output (MeCo's feature maps).
/// </summary>
public sealed class ActivationPass
{
    private ActivationPass(IReadOnlyList<ReluInput> reluInputs, IReadOnlyList<Tensor> featureMaps, string provider)
    {
        ReluInputs = reluInputs;
        FeatureMaps = featureMaps;
        Provider = provider;
    }

    /// <summary>A tensor some Relu nodes read, [b, …], and how many Relu nodes read it (each counts, as each
    /// ReLU module's hook does in the reference code).</summary>
    public sealed record ReluInput(string Name, Tensor Value, int Readers);

    public IReadOnlyList<ReluInput> ReluInputs { get; }

    /// <summary>Sample 0 of every node's first output that is a 4-D float value, [1, C, H, W], in graph order.</summary>
    public IReadOnlyList<Tensor> FeatureMaps { get; }

    public string Provider { get; }

    public static ActivationPass Run(PassInputs inputs, StaticPass model)
    {
        var graph = inputs.Model.Graph;
        var shapes = model.Shapes;
        var produced = graph.Node.SelectMany(n => n.Output).ToHashSet(StringComparer.Ordinal);
        var readers = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var node in graph.Node.Where(n => n.OpType == "Relu" && n.Input.Count > 0 && produced.Contains(n.Input[0]) && shapes.IsFloat(n.Input[0])))
            readers[node.Input[0]] = readers.GetValueOrDefault(node.Input[0]) + 1;

        var taps = new ActivationTaps(inputs.Model);
        var whole = readers.Keys.Select(taps.Whole).ToList();
        var maps = graph.Node
            .Where(n => n.Output.Count > 0 && n.Output[0].Length > 0 && shapes.IsFloat(n.Output[0]) && shapes.Shape(n.Output[0]).Length == 4)
            .Select(n => taps.FirstSample(n.Output[0])).ToList();

        using var session = SessionFactory.Create(taps.Model, inputs.Options.Runtime);
        var results = session.Run(new Dictionary<string, Tensor> { [inputs.Signature.Input] = inputs.Batch.Inputs }, null, [.. whole, .. maps]);
        var relu = whole.Select((name, i) => new ReluInput(name, results[i], readers[name])).ToList();
        return new ActivationPass(relu, results.Skip(whole.Count).ToList(), session.Provider);
    }
}
