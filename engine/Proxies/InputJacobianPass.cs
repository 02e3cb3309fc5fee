using NasiOnnx.Engine.Autodiff;
using NasiOnnx.Engine.Graphs;
using NasiOnnx.Engine.Runtime;
using NasiOnnx.Engine.Scoring;

namespace NasiOnnx.Engine.Proxies;

/// <summary>
/// jacob_cov's input Jacobian: ∂(Σ f)/∂x on the batch, the samples coupled through BatchNorm as in the forward. A
/// gradient model of its own, differentiated with respect to the input alone: its backward has no weight gradients,
/// so it costs about two thirds of the loss-gradient run (the probe model it came from computed every gradient).
/// </summary>
public sealed class InputJacobianPass
{
    private InputJacobianPass(Tensor jacobian, string provider)
    {
        Jacobian = jacobian;
        Provider = provider;
    }

    /// <summary>[b, …]: sample i's input gradient.</summary>
    public Tensor Jacobian { get; }

    public string Provider { get; }

    public static InputJacobianPass Run(PassInputs inputs)
    {
        var input = inputs.Signature.Input;
        var options = new GradientOptions { Kernels = SessionFactory.GradientKernels(inputs.Options.Runtime), ConstantWeights = true };
        var gradient = Vjp.Build(inputs.Model, [GradientSeed.Ones(inputs.Signature.Output)],
            new Dictionary<string, long[]> { [input] = inputs.Signature.InputShape }, [input], options);
        inputs.CancellationToken.ThrowIfCancellationRequested();
        using var session = SessionFactory.Create(gradient.Model, inputs.Options.Runtime);
        var result = session.Run(new Dictionary<string, Tensor> { [input] = inputs.Batch.Inputs }, null, [gradient.Gradients[input]]);
        return new InputJacobianPass(result[0], session.Provider);
    }
}
