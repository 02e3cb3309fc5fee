using Onnx;

namespace NasiOnnx.Engine.Autodiff;

/// <summary>
/// A forward model extended with a reverse-mode gradient graph. It keeps every input and output of the forward
/// model and adds one output per differentiated tensor. The model is specialised to the input shapes it was built
/// for (static shapes drive un-broadcasting, pooling counts and output paddings): feed exactly those shapes.
/// </summary>
/// <param name="Model">The new model; the forward model it came from is untouched.</param>
/// <param name="Gradients">Differentiated tensor name → name of the graph output holding its gradient
/// ("grad/" + tensor name), in the order they were requested.</param>
/// <param name="SeedInputs">Seeded output name → name of the graph input holding its cotangent (seeds given as ones
/// are absent).</param>
/// <param name="InputShapes">The graph-input shapes the model is specialised to.</param>
/// <param name="Loss">The scalar loss output, for models built by <see cref="LossGradient"/>; else null.</param>
/// <param name="Logits">The logits output the loss reads, for models built by <see cref="LossGradient"/>; else null.</param>
/// <param name="Labels">The int64 labels input of the loss head, for models built by <see cref="LossGradient"/>; else null.</param>
/// <param name="Cotangents">Forward value → the value holding its total cotangent, for those listed in
/// <see cref="GradientOptions.Cotangents"/> that reach a seed; else empty.</param>
public sealed record GradientModel(
    ModelProto Model,
    IReadOnlyDictionary<string, string> Gradients,
    IReadOnlyDictionary<string, string> SeedInputs,
    IReadOnlyDictionary<string, long[]> InputShapes,
    string? Loss = null,
    string? Logits = null,
    string? Labels = null,
    IReadOnlyDictionary<string, string>? Cotangents = null)
{
    /// <summary>The graph-output name of the gradient of <paramref name="tensor"/>: "grad/" + tensor.</summary>
    public static string GradientName(string tensor) => "grad/" + tensor;
}
