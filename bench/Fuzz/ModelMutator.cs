using Google.Protobuf;
using NasiOnnx.Engine.Graphs;
using NasiOnnx.Engine.Init;
using Onnx;

namespace NasiOnnx.Bench.Fuzz;

/// <summary>
/// One seeded mutation of a model's bytes: at the byte level (flips, truncation, a run of random bytes) or at the
/// protobuf level (a dimension, an attribute, an edge, an initializer's size or type, the opset stamp, an op type).
/// The mutant depends only on (seed model, kind, rng), so a campaign's mutant i can be rebuilt from its seed.
/// </summary>
public static class ModelMutator
{
    public static readonly string[] Kinds =
        ["byte-flip", "truncate", "random-run", "dim", "attribute", "edge", "initializer", "opset", "op-type", "io"];

    /// <summary>Values that break shape arithmetic in interesting ways.</summary>
    private static readonly long[] Nasty = [0, -1, -2, 1, 2, 3, 7, 64, 1000, 1 << 20, 1L << 31, 1L << 40, long.MaxValue, long.MinValue];

    private static readonly string[] OpTypes =
        ["Conv", "Relu", "Gemm", "MatMul", "Reshape", "Flatten", "Transpose", "Concat", "Softmax", "Add", "Expand", "Tile", "Gather",
         "Slice", "Split", "ReduceMean", "BatchNormalization", "MaxPool", "Identity", "ConstantOfShape", "Loop", "NoSuchOp", "Cos"];

    public static byte[] Mutate(byte[] seed, string kind, Rng rng)
    {
        switch (kind)
        {
            case "byte-flip":
            {
                var bytes = (byte[])seed.Clone();
                for (var k = 0; k < 1 + rng.NextInt(8); k++) bytes[rng.NextInt(bytes.Length)] ^= (byte)(1 + rng.NextInt(255));
                return bytes;
            }
            case "truncate":
                return seed[..rng.NextInt(seed.Length)];
            case "random-run":
            {
                var bytes = (byte[])seed.Clone();
                var start = rng.NextInt(bytes.Length);
                for (var k = start; k < Math.Min(bytes.Length, start + 1 + rng.NextInt(32)); k++) bytes[k] = (byte)rng.NextInt(256);
                return bytes;
            }
        }
        var model = ModelProto.Parser.ParseFrom(seed);
        var g = model.Graph;
        switch (kind)
        {
            case "dim":
            {
                var values = g.Input.Concat(g.Output).Concat(g.ValueInfo).Where(v => v.Type?.TensorType?.Shape is not null).ToList();
                if (values.Count == 0) break;
                var dims = values[rng.NextInt(values.Count)].Type.TensorType.Shape.Dim;
                if (dims.Count == 0 || rng.NextInt(8) == 0) { dims.Add(new TensorShapeProto.Types.Dimension { DimValue = Pick(rng) }); break; }
                var d = dims[rng.NextInt(dims.Count)];
                if (rng.NextInt(4) == 0) { d.ClearDimValue(); d.DimParam = "N"; }
                else d.DimValue = Pick(rng);
                break;
            }
            case "attribute":
            {
                var nodes = g.Node.Where(n => n.Attribute.Count > 0).ToList();
                if (nodes.Count == 0) break;
                var node = nodes[rng.NextInt(nodes.Count)];
                var a = node.Attribute[rng.NextInt(node.Attribute.Count)];
                switch (rng.NextInt(6))
                {
                    case 0: node.Attribute.Remove(a); break;
                    case 1: a.I = Pick(rng); break;
                    case 2:
                        if (a.Ints.Count > 0) a.Ints[rng.NextInt(a.Ints.Count)] = Pick(rng);
                        else a.Ints.Add(Pick(rng));
                        break;
                    case 3: a.F = rng.NextInt(2) == 0 ? float.NaN : (float)rng.Uniform(-1e6, 1e6); break;
                    case 4: a.Type = (AttributeProto.Types.AttributeType)rng.NextInt(14); break;
                    default: a.Name = rng.NextInt(2) == 0 ? "axis" : "bogus"; break;
                }
                break;
            }
            case "edge":
            {
                if (g.Node.Count == 0) break;
                var node = g.Node[rng.NextInt(g.Node.Count)];
                var names = g.Node.SelectMany(n => n.Output).Concat(g.Input.Select(i => i.Name)).Concat(g.Initializer.Select(t => t.Name)).ToList();
                switch (rng.NextInt(6))
                {
                    case 0 when node.Input.Count > 0: node.Input[rng.NextInt(node.Input.Count)] = names[rng.NextInt(names.Count)]; break;
                    case 1 when node.Input.Count > 0: node.Input[rng.NextInt(node.Input.Count)] = "missing_value"; break;
                    case 2 when node.Input.Count > 0: node.Input.RemoveAt(rng.NextInt(node.Input.Count)); break;
                    case 3: node.Input.Add(names[rng.NextInt(names.Count)]); break;
                    case 4: g.Node.Remove(node); break;
                    default:
                        if (node.Output.Count > 0) node.Output[0] = names[rng.NextInt(names.Count)];
                        break;
                }
                break;
            }
            case "initializer":
            {
                if (g.Initializer.Count == 0) break;
                var t = g.Initializer[rng.NextInt(g.Initializer.Count)];
                switch (rng.NextInt(6))
                {
                    case 0 when t.Dims.Count > 0: t.Dims[rng.NextInt(t.Dims.Count)] = Pick(rng); break;
                    case 1: t.Dims.Add(Pick(rng)); break;
                    case 2 when !t.RawData.IsEmpty: t.RawData = ByteString.CopyFrom(t.RawData.Span[..rng.NextInt(t.RawData.Length)]); break;
                    case 3: t.DataType = rng.NextInt(17); break;
                    case 4: t.Dims.Clear(); break;
                    default:
                        t.DataLocation = TensorProto.Types.DataLocation.External;
                        t.ExternalData.Add(new StringStringEntryProto { Key = "location", Value = rng.NextInt(2) == 0 ? "weights.bin" : "/etc/passwd" });
                        break;
                }
                break;
            }
            case "opset":
            {
                long[] versions = [-1, 0, 1, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 99];
                if (rng.NextInt(4) == 0) model.IrVersion = versions[rng.NextInt(versions.Length)];
                else if (model.OpsetImport.Count > 0 && rng.NextInt(6) == 0) model.OpsetImport[0].Domain = "com.example";
                else if (model.OpsetImport.Count > 0) model.OpsetImport[0].Version = versions[rng.NextInt(versions.Length)];
                break;
            }
            case "op-type":
            {
                if (g.Node.Count == 0) break;
                var node = g.Node[rng.NextInt(g.Node.Count)];
                if (rng.NextInt(5) == 0) node.Domain = "ai.onnx.ml";
                else node.OpType = OpTypes[rng.NextInt(OpTypes.Length)];
                break;
            }
            case "io":
                switch (rng.NextInt(5))
                {
                    case 0 when g.Output.Count > 0: g.Output.RemoveAt(0); break;
                    case 1 when g.Input.Count > 0: g.Input[0].Type.TensorType.ElemType = rng.NextInt(17); break;
                    case 2 when g.Output.Count > 0: g.Output[0].Name = g.Input.Count > 0 ? g.Input[0].Name : "x"; break;
                    case 3: g.Input.Add(GraphBuilder.ValueInfo("extra_input", ElementType.Float, [1, 3])); break;
                    default: g.Output.Add(GraphBuilder.ValueInfo(g.Node.Count > 0 ? g.Node[0].Output[0] : "y", ElementType.Float, null)); break;
                }
                break;
        }
        return model.ToByteArray();
    }

    private static long Pick(Rng rng) => rng.NextInt(3) == 0 ? rng.NextInt(40) - 4 : Nasty[rng.NextInt(Nasty.Length)];
}
