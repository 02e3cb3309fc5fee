using NasiOnnx.Engine.Graphs;

namespace NasiOnnx.Engine.Runtime.Native;

/// <summary>A custom operator's schema as ONNX Runtime registers it: name, input and output element types (all
/// required), and how a node's kernel is made from its attributes.</summary>
internal sealed record FusedOpType(string Name, ElementType[] Inputs, ElementType[] Outputs, Func<KernelAttributes, FusedKernel> Create);
