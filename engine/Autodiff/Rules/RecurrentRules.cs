using NasiOnnx.Engine.Graphs;
using Onnx;

namespace NasiOnnx.Engine.Autodiff.Rules;

/// <summary>
/// LSTM, GRU and RNN: unroll, then differentiate. The rule emits the node's exact unrolling over its static sequence
/// length (<see cref="RecurrentUnroller"/>) beside the native node, and runs the other rules backwards over those
/// steps, from the cotangents of the outputs the graph uses to the node's inputs. Why this and not a hand-written
/// backward per op: every variant (directions, sequence lengths, initial states, peepholes, linear_before_reset,
/// clip, input_forget, activations, layouts) is then a forward rewrite checked against ONNX Runtime's own op, and
/// its gradient comes from rules the case table already checks. The forward keeps the native node (forward-only
/// metrics never see the unrolling); the price is the steps recomputed once for the backward, small beside the
/// rest of a model. sequence_lens, a run-time int input, gets no gradient.
/// </summary>
internal static class RecurrentRules
{
    public static string?[] Recurrent(GradientContext ctx, NodeProto node, IReadOnlyList<string?> dy)
    {
        string? Seed(int i) => i < dy.Count ? dy[i] : null;
        var unrolled = RecurrentUnroller.Emit(ctx.Builder, node, ctx.Shape, ctx.Ints, ctx.Scalar, ctx.ConstantInts,
            wantY: Seed(0) is not null, wantYh: Seed(1) is not null, wantYc: Seed(2) is not null);
        foreach (var n in unrolled.Nodes)
        {
            var needed = n.Input.Any(ctx.Needs);
            foreach (var o in n.Output) ctx.Declare(o, unrolled.Shapes[o], needed);
        }

        var cotangents = new Dictionary<string, string>(StringComparer.Ordinal);
        void Accumulate(string value, string gradient) =>
            cotangents[value] = cotangents.TryGetValue(value, out var earlier) ? ctx.Node("Add", [earlier, gradient]) : gradient;
        foreach (var (output, seed) in new[] { (unrolled.Y, Seed(0)), (unrolled.Yh, Seed(1)), (unrolled.Yc, Seed(2)) })
            if (output is not null && seed is not null) Accumulate(output, seed);

        for (var k = unrolled.Nodes.Count - 1; k >= 0; k--)
        {
            var step = unrolled.Nodes[k];
            if (!step.Input.Any(ctx.Needs)) continue;
            var outputGradients = step.Output.Select(o => cotangents.GetValueOrDefault(o)).ToArray();
            if (outputGradients.All(g => g is null)) continue;
            if (!GradientRules.TryGet(step.OpType, out var rule))
                throw new InvalidOperationException($"The unrolling of {node.Describe()} emitted {step.OpType}, which has no gradient rule.");
            var inputGradients = rule(ctx, step, outputGradients);
            for (var i = 0; i < inputGradients.Length; i++)
                if (inputGradients[i] is { } g && ctx.Needs(step.Input[i]))
                    Accumulate(step.Input[i], g);
        }
        return node.Input.Select(i => ctx.Needs(i) ? cotangents.GetValueOrDefault(i) : null).ToArray();
    }
}
