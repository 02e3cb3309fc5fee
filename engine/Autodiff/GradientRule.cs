using Onnx;

namespace NasiOnnx.Engine.Autodiff;

/// <summary>
/// The vector-Jacobian product of one op: given the forward node and the cotangent of each of its outputs (null =
/// symbolic zero), it appends plain ai.onnx nodes through <paramref name="ctx"/> and returns one gradient value name
/// per node input, null where the input gets no gradient (not differentiable, or not needed:
/// <see cref="GradientContext.Needs(string)"/>). Gradients must have the input's shape; un-broadcasting goes through
/// <see cref="GradientContext.Unbroadcast"/>.
/// </summary>
public delegate string?[] GradientRule(GradientContext ctx, NodeProto node, IReadOnlyList<string?> outputGradients);
