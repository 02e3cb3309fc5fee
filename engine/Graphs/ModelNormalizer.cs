using Onnx;

namespace NasiOnnx.Engine.Graphs;

/// <summary>
/// Rewrites exported models into the form the engine scores: weights held in Constant nodes become initializers
/// (so they count as parameters), and BatchNormalization can be switched to batch statistics.
/// </summary>
public static class ModelNormalizer
{
    /// <summary>Moves the float tensors of rank ≥ 1 held by Constant nodes into initializers. Returns how many.</summary>
    public static int ConstantsToInitializers(ModelProto model)
    {
        var moved = 0;
        var graph = model.Graph;
        for (var i = graph.Node.Count - 1; i >= 0; i--)
        {
            var node = graph.Node[i];
            if (node.OpType != "Constant" || node.Domain is not ("" or "ai.onnx") || node.Output.Count != 1) continue;
            var value = node.Find("value");
            if (value?.T is not { } t || t.DataType != (int)ElementType.Float || t.Dims.Count == 0) continue;
            var tensor = t.Clone();
            tensor.Name = node.Output[0];
            graph.Initializer.Add(tensor);
            graph.Node.RemoveAt(i);
            moved++;
        }
        return moved;
    }

    /// <summary>
    /// Switches every inference-mode BatchNormalization to batch statistics (training_mode = 1, opset ≥ 14), with
    /// the two running-statistics outputs ONNX Runtime needs declared. Returns how many nodes changed.
    /// </summary>
    public static int BatchNormToTraining(ModelProto model, string source = "model")
    {
        var builder = GraphBuilder.Extend(model);
        var changed = 0;
        foreach (var node in model.Graph.Node.Where(n => n.OpType == "BatchNormalization"))
        {
            if (node.GetInt("training_mode", 0) == 1) continue;
            if (builder.Opset < 14)
                throw new GraphException($"{source}: --bn train needs opset 14 or later for BatchNormalization's training mode (the model has opset {builder.Opset})");
            var mode = node.Find("training_mode");
            if (mode is null) node.Attribute.Add(Attr.Int("training_mode", 1));
            else mode.I = 1;
            SetMomentum(node, 1f);
            while (node.Output.Count < 3) node.Output.Add(builder.UniqueName($"{node.Output[0]}/running_stat"));
            for (var i = 1; i < 3; i++)
                if (node.Output[i].Length == 0) node.Output[i] = builder.UniqueName($"{node.Output[0]}/running_stat");
            changed++;
        }
        return changed;
    }

    /// <summary>
    /// True when some training-mode BatchNormalization declares a momentum other than 1. By the ONNX spec momentum
    /// only moves the running statistics, but ONNX Runtime 1.31's CPU kernel lets it leak into Y once graph
    /// optimizations are on (microsoft/onnxruntime#29790): Y is then not the batch-statistics normalization.
    /// </summary>
    public static bool NeedsBatchNormMomentumFix(ModelProto model) =>
        model.Graph.Node.Any(n => n.OpType == "BatchNormalization" && n.GetInt("training_mode", 0) == 1 && n.GetFloat("momentum", 0.9f) != 1f);

    /// <summary>Sets momentum 1 on every training-mode BatchNormalization (see <see cref="NeedsBatchNormMomentumFix"/>);
    /// the outputs the spec defines for Y are unchanged. Returns how many nodes changed.</summary>
    public static int FixTrainingBatchNormMomentum(ModelProto model)
    {
        var changed = 0;
        foreach (var node in model.Graph.Node)
            if (node.OpType == "BatchNormalization" && node.GetInt("training_mode", 0) == 1 && node.GetFloat("momentum", 0.9f) != 1f)
            {
                SetMomentum(node, 1f);
                changed++;
            }
        return changed;
    }

    /// <summary>
    /// Rewrites every batch-first (layout = 1) LSTM, GRU and RNN as its sequence-first form between Transposes:
    /// X and the initial states [B, …] → [T or D, B, …], the layout-0 node, then Y [T, D, B, H] → [B, T, D, H] and
    /// Y_h, Y_c [D, B, H] → [B, D, H]. The same function (ONNX defines layout 1 as exactly this transposition), in
    /// the form ONNX Runtime runs: its CPU kernels refuse layout 1 ("Batchwise recurrent operations (layout == 1)
    /// are not supported"). Returns how many nodes changed.
    /// </summary>
    public static int RecurrentToSequenceFirst(ModelProto model)
    {
        var builder = GraphBuilder.Extend(model);
        var changed = 0;
        var graph = model.Graph;
        for (var k = 0; k < graph.Node.Count; k++)
        {
            var node = graph.Node[k];
            if (node.OpType is not ("LSTM" or "GRU" or "RNN") || node.Domain is not ("" or "ai.onnx") || node.GetInt("layout", 0) != 1) continue;
            var before = new List<NodeProto>();
            var after = new List<NodeProto>();
            NodeProto Transpose(string input, string output, params long[] perm)
            {
                var t = new NodeProto { OpType = "Transpose", Name = builder.UniqueName($"{node.Name}/layout0") };
                t.Input.Add(input);
                t.Output.Add(output);
                t.Attribute.Add(Attr.Ints("perm", perm));
                return t;
            }
            foreach (var i in new[] { 0, 5, 6 }) // X, initial_h, initial_c: their first two axes swap
            {
                if (i >= node.Input.Count || node.Input[i].Length == 0 || (i == 6 && node.OpType != "LSTM")) continue;
                var swapped = builder.UniqueName($"{node.Input[i]}/layout0");
                before.Add(Transpose(node.Input[i], swapped, 1, 0, 2));
                node.Input[i] = swapped;
            }
            for (var o = 0; o < node.Output.Count; o++)
            {
                if (node.Output[o].Length == 0) continue;
                var inner = builder.UniqueName($"{node.Output[o]}/layout0");
                after.Add(o == 0 ? Transpose(inner, node.Output[o], 2, 0, 1, 3) : Transpose(inner, node.Output[o], 1, 0, 2));
                node.Output[o] = inner;
            }
            node.Attribute.Remove(node.Find("layout")!);
            foreach (var t in before) graph.Node.Insert(k++, t);
            foreach (var t in after) graph.Node.Insert(++k, t);
            changed++;
        }
        return changed;
    }

    private static void SetMomentum(NodeProto node, float value)
    {
        var momentum = node.Find("momentum");
        if (momentum is null) node.Attribute.Add(Attr.Float("momentum", value));
        else momentum.F = value;
    }
}
