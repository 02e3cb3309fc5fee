using NasiOnnx.Engine.Autodiff;
using NasiOnnx.Engine.Graphs;
using NasiOnnx.Engine.Runtime;
using NasiOnnx.Models.Nb201;
using NasiOnnx.Tests.Api;
using Onnx;

namespace NasiOnnx.Tests.Graphs;

public class CommonSubexpressionsTests
{
    [Test]
    public void DuplicateNodesMergeAndTheirUsersReadTheKeptOne()
    {
        var g = GraphBuilder.Create("twice");
        var x = g.Input("x", ElementType.Float, 2, 3);
        var a = g.Node("Relu", [x]);
        var b = g.Node("Relu", [x]);
        var ta = g.Node("Tanh", [a]);
        var tb = g.Node("Tanh", [b]); // a duplicate only once b is renamed to a
        g.Output(g.Node("Add", [ta, tb]), ElementType.Float, [2, 3]);
        var model = g.Model;

        Assert.That(CommonSubexpressions.Merge(model), Is.EqualTo(2));
        Assert.That(model.Graph.Node.Select(n => n.OpType), Is.EqualTo(new[] { "Relu", "Tanh", "Add" }));
        Assert.That(model.Graph.Node[2].Input, Is.EqualTo(new[] { ta, ta }));

        using var session = SessionFactory.Create(model, new RuntimeOptions { Provider = ExecutionProvider.Cpu });
        var input = new Tensor([-1f, 0.5f, 2f, -3f, 0f, 1f], [2, 3]);
        var y = session.Run(new Dictionary<string, Tensor> { ["x"] = input }, null, [model.Graph.Output[0].Name])[0].Data;
        Assert.That(y, Is.EqualTo(input.Data.Select(v => 2 * MathF.Tanh(MathF.Max(v, 0))).ToArray()).Within(1e-6f));
    }

    private static readonly (string Why, Func<GraphBuilder, string, (string, string)> Pair)[] Distinct =
    [
        ("attributes differ", (g, x) => (g.Node("LeakyRelu", [x], Attr.Float("alpha", 0.1f)), g.Node("LeakyRelu", [x], Attr.Float("alpha", 0.2f)))),
        ("inputs differ", (g, x) => (g.Node("Relu", [x]), g.Node("Relu", [g.Node("Neg", [x])]))),
        ("random draws", (g, x) => (g.Node("RandomNormalLike", [x]), g.Node("RandomNormalLike", [x]))),
    ];

    [TestCaseSource(nameof(DistinctCases))]
    public void NodesThatDifferOrDrawRandomNumbersStay(string why)
    {
        var g = GraphBuilder.Create("distinct");
        var x = g.Input("x", ElementType.Float, 2, 3);
        var (a, b) = Distinct.Single(c => c.Why == why).Pair(g, x);
        g.Output(g.Node("Add", [a, b]), ElementType.Float, [2, 3]);
        var before = g.Model.Graph.Node.Count;
        Assert.That(CommonSubexpressions.Merge(g.Model), Is.Zero, why);
        Assert.That(g.Model.Graph.Node, Has.Count.EqualTo(before));
    }

    private static IEnumerable<string> DistinctCases() => Distinct.Select(c => c.Why);

    [Test]
    public void GraphOutputsAndKeptNamesAreNeverRenamed()
    {
        var g = GraphBuilder.Create("outputs");
        var x = g.Input("x", ElementType.Float, 2);
        var a = g.Node("Relu", [x]);
        var b = g.Node("Relu", [x]);
        var c = g.Node("Relu", [x]);
        g.Output(a, ElementType.Float, [2]);
        g.Output(g.Node("Add", [b, c]), ElementType.Float, [2]);
        var model = g.Model;

        Assert.That(CommonSubexpressions.Merge(model.Clone(), keep: [b]), Is.Zero, "a is a graph output, b is kept, c then merges into b");
        Assert.That(CommonSubexpressions.Merge(model.Clone(), keep: []), Is.EqualTo(1), "b and c merge; a stays");
    }

    /// <summary>
    /// An NB201 cell's edges each open with their own ReLU; in the loss-gradient graph every node's output has one
    /// ReLU and one ReLU backward, however many edges leave it.
    /// </summary>
    [Test]
    public void Nb201GradientHasOneReluBackwardPerReluInput()
    {
        var forward = Nb201Network.Build(Nb201Presets.SampleBestCifar10, TinyApi.Nb201);
        var reluInputs = forward.Graph.Node.Where(n => n.OpType == "Relu").Select(n => n.Input[0]).ToList();
        Assert.That(reluInputs.Distinct().Count(), Is.LessThan(reluInputs.Count), "the cell has nodes with two ReLU edges");

        var gradient = LossGradient.Build(forward, [2, 3, 8, 8], options: new GradientOptions { Kernels = GradientKernelMode.Fused });
        var nodes = gradient.Model.Graph.Node;
        Assert.That(nodes.Count(n => n.OpType == "Relu"), Is.EqualTo(reluInputs.Distinct().Count()));
        Assert.That(nodes.Count(n => n.OpType == "ReluGrad"), Is.EqualTo(reluInputs.Distinct().Count()));
        Assert.That(forward.Graph.Node.Count(n => n.OpType == "Relu"), Is.EqualTo(reluInputs.Count), "the forward model is not modified");
    }
}
