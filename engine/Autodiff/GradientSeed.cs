namespace NasiOnnx.Engine.Autodiff;

/// <summary>
/// Where reverse mode starts: an output of the model and its cotangent. <see cref="CotangentInput"/> null means a
/// tensor of ones of the output's shape (the gradient of a scalar loss, or of the sum of the output); otherwise the
/// gradient model gets a new float graph input of that name and the output's shape, holding the cotangent.
/// </summary>
public sealed record GradientSeed(string Output, string? CotangentInput)
{
    /// <summary>Seeds <paramref name="output"/> with ones (for a scalar loss: d loss / d loss = 1).</summary>
    public static GradientSeed Ones(string output) => new(output, null);

    /// <summary>Seeds <paramref name="output"/> with a new graph input, named "seed/" + output unless given.</summary>
    public static GradientSeed FromInput(string output, string? inputName = null) => new(output, inputName ?? "seed/" + output);
}
