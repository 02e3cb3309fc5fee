using NasiOnnx.Engine.Ntk;
using NasiOnnx.Engine.Proxies;

namespace NasiOnnx.Engine.Scoring;

/// <summary>
/// How each <see cref="ScoringPass"/> runs, one line each. A pass may read an earlier one (the second gradient batch
/// reuses the first's session); the metrics that need a pass list it in <see cref="MetricTable"/>.
/// </summary>
public static class PassTable
{
    public static object Run(ScoringPass pass, PassInputs inputs, PassResults done) => RefusePerSample(pass, inputs) ?? pass switch
    {
        ScoringPass.None => StaticPass.Run(inputs),
        ScoringPass.Gradient => GradientPass.Run(inputs),
        ScoringPass.SecondGradient => done.Get<GradientPass>(ScoringPass.Gradient).Second(inputs),
        ScoringPass.Activations => ActivationPass.Run(inputs, done.Get<StaticPass>(ScoringPass.None)),
        ScoringPass.InputJacobian => InputJacobianPass.Run(inputs),
        ScoringPass.Probes => ProbePass.Run(inputs, done.Get<StaticPass>(ScoringPass.None), done.Get<ActivationPass>(ScoringPass.Activations),
            done.Get<GradientPass>(ScoringPass.Gradient)),
        ScoringPass.Synflow => SynflowPass.Run(inputs, done.Get<StaticPass>(ScoringPass.None)),
        ScoringPass.GaussianInit => GaussianInitPass.Run(inputs, done.Get<StaticPass>(ScoringPass.None)),
        ScoringPass.TeNas => TeNasPass.Run(inputs, done.Get<StaticPass>(ScoringPass.None)),
        ScoringPass.Ntk => RunNtk(inputs),
        _ => throw new NotSupportedException($"The {pass} pass is not implemented."),
    };

    /// <summary>The passes <paramref name="pass"/> reads: they run first (the order of <see cref="ScoringPass"/>).</summary>
    public static IReadOnlyList<ScoringPass> Requires(ScoringPass pass) => pass switch
    {
        ScoringPass.SecondGradient => [ScoringPass.Gradient],
        ScoringPass.Probes => [ScoringPass.None, ScoringPass.Gradient, ScoringPass.Activations],
        ScoringPass.Activations or ScoringPass.Synflow or ScoringPass.GaussianInit or ScoringPass.TeNas => [ScoringPass.None],
        _ => [],
    };

    /// <summary>The provider a pass's result ran on, where it has one.</summary>
    public static string? Provider(object result) => result switch
    {
        GradientPass g => g.Score.Provider,
        ActivationPass a => a.Provider,
        InputJacobianPass j => j.Provider,
        ProbePass p => p.Provider,
        SynflowPass s => s.Provider,
        GaussianInitPass z => z.Provider,
        TeNasPass t => t.Provider,
        NtkTrace t => t.Provider,
        _ => null,
    };

    /// <summary>
    /// A model whose batch is fixed at another size is scored per sample (<see cref="BatchRoute.PerSample"/>): the NASI
    /// gradient and the NTK sum over chunks of its batch, the static metrics need no run, and every other pass would
    /// need a batch the model cannot take, so it says so instead of running.
    /// </summary>
    private static object? RefusePerSample(ScoringPass pass, PassInputs inputs) =>
        inputs.Plan.Route != BatchRoute.PerSample || pass is ScoringPass.None or ScoringPass.Gradient or ScoringPass.SecondGradient or ScoringPass.Ntk
            ? null
            : throw new NasiException($"the model's batch is fixed at {inputs.Plan.ModelBatch} (scored per sample), and this metric's pass needs other batch sizes");

    private static NtkTrace RunNtk(PassInputs inputs)
    {
        using var estimator = NtkEstimator.Create(inputs.Model, inputs.Batch.Inputs, inputs.Plan.Ntk(inputs.Options.Ntk, inputs.Options.Seed));
        return estimator.Trace(null, inputs.CancellationToken);
    }
}
