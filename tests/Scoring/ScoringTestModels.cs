using NasiOnnx.Engine.Graphs;
using NasiOnnx.Models.Nb201;
using Onnx;

namespace NasiOnnx.Tests.Scoring;

/// <summary>Small exported-style models for the batch-scoring tests, written into a folder.</summary>
public static class ScoringTestModels
{
    public static readonly Nb201NetworkOptions Small = new() { C = 4, N = 1, InputSize = 8 };

    public static readonly string[] Cells =
    [
        "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_1x1~1|skip_connect~2|",
        "|avg_pool_3x3~0|+|skip_connect~0|none~1|+|none~0|none~1|skip_connect~2|",
        "|nor_conv_1x1~0|+|nor_conv_3x3~0|nor_conv_1x1~1|+|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|",
    ];

    /// <summary>Writes m0.onnx… for <see cref="Cells"/> and returns their paths.</summary>
    public static List<string> WriteNb201(string dir, BatchNormMode bn = BatchNormMode.Training)
    {
        var paths = new List<string>();
        for (var i = 0; i < Cells.Length; i++)
        {
            var path = Path.Combine(dir, $"m{i}.onnx");
            ModelFile.Save(Nb201Network.Build(Nb201Cell.Parse(Cells[i]), Small with { BatchNorm = bn, Seed = (ulong)i }), path);
            paths.Add(path);
        }
        return paths;
    }

    /// <summary>A classifier with an op that has no gradient rule (Cos, after the weights) and its weight in a
    /// Constant node: logits = cos(flatten(x) · W).</summary>
    public static ModelProto WithoutGradientRule()
    {
        var g = GraphBuilder.Create("cos_net");
        var x = g.Input("input", ElementType.Float, GraphBuilder.SymbolicBatch, 3, 8, 8);
        var w = g.Node("Constant", [], Attr.Tensor("value", WeightTensor()));
        var flat = g.Node("Flatten", [x], Attr.Int("axis", 1));
        var y = g.Node("Cos", [g.Node("MatMul", [flat, w])]);
        g.Output(y, ElementType.Float, [GraphBuilder.SymbolicBatch, 10]);
        return g.Model;
    }

    private static TensorProto WeightTensor()
    {
        var values = Enumerable.Range(0, 192 * 10).Select(i => (float)Math.Sin(i) * 0.05f).ToArray();
        var t = new TensorProto { DataType = (int)ElementType.Float };
        t.Dims.AddRange([192, 10]);
        t.FloatData.AddRange(values);
        return t;
    }
}
