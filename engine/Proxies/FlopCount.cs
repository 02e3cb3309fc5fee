using NasiOnnx.Engine.Autodiff;
using NasiOnnx.Engine.Graphs;
using Onnx;

namespace NasiOnnx.Engine.Proxies;

/// <summary>
/// Multiply-accumulates of a forward pass, counted as NAS-Bench-201's and the zero-cost papers' "FLOPs" are (one per
/// multiply-add of a Conv or Linear layer; normalisation, activations, pooling and additions are not counted).
/// </summary>
public static class FlopCount
{
    /// <summary>Σ over Conv/ConvTranspose of |output| · C_in/g · Πkernel, over Gemm/MatMul of |output| · K.</summary>
    public static long Macs(ModelProto model, StaticShapes shapes)
    {
        long total = 0;
        foreach (var node in model.Graph.Node)
        {
            if (node.Output.Count == 0 || !shapes.Contains(node.Output[0])) continue;
            var output = Tensor.Count(shapes.Shape(node.Output[0]));
            switch (node.OpType)
            {
                case "Conv":
                {
                    var w = shapes.Shape(node.Input[1]); // [M, C/g, k…]: each output element reads C/g · Πk inputs
                    total += output * Tensor.Count(w[1..]);
                    break;
                }
                case "ConvTranspose":
                {
                    var w = shapes.Shape(node.Input[1]); // [C, M/g, k…]: each input element is spread over M/g · Πk outputs
                    total += Tensor.Count(shapes.Shape(node.Input[0])) * Tensor.Count(w[1..]);
                    break;
                }
                case "Gemm":
                {
                    var a = shapes.Shape(node.Input[0]);
                    var transA = node.Attribute.FirstOrDefault(x => x.Name == "transA")?.I ?? 0;
                    total += output * (transA == 0 ? a[^1] : a[0]);
                    break;
                }
                case "MatMul":
                {
                    var a = shapes.Shape(node.Input[0]);
                    total += output * (a.Length >= 2 ? a[^1] : a[0]);
                    break;
                }
            }
        }
        return total;
    }
}
