using NasiOnnx.Engine.Graphs;
using NasiOnnx.Engine.Runtime;
using NasiOnnx.Engine.Scoring;
using Onnx;

namespace NasiOnnx.Engine.Proxies;

/// <summary>
/// Forward passes of the model as scored with intermediate values exposed (<see cref="ActivationTaps"/>): on the
/// batch, the input of every Relu node (NASWOT's codes); on the batch's first sample alone, every node's 4-D output
/// (MeCo's feature maps: MeCo's NAS-Bench-201 script scores one image, BatchNorm on its statistics).
/// </summary>
public sealed class ActivationPass
{
    private ActivationPass(IReadOnlyList<ReluInput> reluInputs, IReadOnlyList<Tensor>? featureMaps, string? featureMapsMissing, string provider)
    {
        ReluInputs = reluInputs;
        _featureMaps = featureMaps;
        _featureMapsMissing = featureMapsMissing;
        Provider = provider;
    }

    private readonly IReadOnlyList<Tensor>? _featureMaps;
    private readonly string? _featureMapsMissing;

    /// <summary>A tensor some Relu nodes read, [b, …], and how many Relu nodes read it (each counts, as each
    /// ReLU module's hook does in the reference code).</summary>
    public sealed record ReluInput(string Name, Tensor Value, int Readers);

    public IReadOnlyList<ReluInput> ReluInputs { get; }

    /// <summary>Every node's first output that is a 4-D float value, [1, C, H, W], in graph order, from a forward
    /// pass of the first sample alone.</summary>
    public IReadOnlyList<Tensor> FeatureMaps =>
        _featureMaps ?? throw new MetricUnavailableException(_featureMapsMissing!);

    public string Provider { get; }

    public static ActivationPass Run(PassInputs inputs, StaticPass model)
    {
        var graph = inputs.Model.Graph;
        var shapes = model.Shapes;
        var produced = graph.Node.SelectMany(n => n.Output).ToHashSet(StringComparer.Ordinal);
        var readers = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var node in graph.Node.Where(n => n.OpType == "Relu" && n.Input.Count > 0 && produced.Contains(n.Input[0]) && shapes.IsFloat(n.Input[0])))
            readers[node.Input[0]] = readers.GetValueOrDefault(node.Input[0]) + 1;

        // Two models, not one with every tap: ONNX Runtime keeps every graph output of a run alive to its end, asked
        // for or not, so the batch's run with the feature maps as outputs too held all of its intermediates at once.
        var reluTaps = new ActivationTaps(inputs.Model);
        var whole = readers.Keys.Select(reluTaps.Whole).ToList();
        var mapTaps = new ActivationTaps(inputs.Model);
        var maps = graph.Node
            .Where(n => n.Output.Count > 0 && n.Output[0].Length > 0 && shapes.IsFloat(n.Output[0]) && shapes.Shape(n.Output[0]).Length == 4)
            .Select(n => mapTaps.Whole(n.Output[0])).Distinct().ToList();

        var input = inputs.Signature.Input;
        var batch = inputs.Batch.Inputs;
        var provider = SessionFactory.ProviderName(inputs.Options.Runtime);
        var relu = new List<ReluInput>();
        if (whole.Count > 0)
        {
            using var session = SessionFactory.Create(reluTaps.Model, inputs.Options.Runtime);
            var results = session.Run(new Dictionary<string, Tensor> { [input] = batch }, null, whole);
            relu.AddRange(whole.Select((name, i) => new ReluInput(name, results[i], readers[name])));
            provider = session.Provider;
        }

        IReadOnlyList<Tensor>? featureMaps = null;
        string? missing = null;
        if (maps.Count == 0) missing = "the model has no 4-D feature maps";
        else
        {
            long[] one = [1, .. batch.Shape[1..]];
            var first = new Tensor(batch.Data[..(int)Tensor.Count(one)], one);
            using var session = SessionFactory.Create(mapTaps.Model, inputs.Options.Runtime);
            try
            {
                featureMaps = session.Run(new Dictionary<string, Tensor> { [input] = first }, null, maps);
            }
            catch (NasiException e)
            {
                missing = $"the model does not run on one sample ({e.Message})";
            }
            provider = session.Provider;
        }
        return new ActivationPass(relu, featureMaps, missing, provider);
    }
}
