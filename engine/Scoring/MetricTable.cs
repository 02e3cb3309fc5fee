using NasiOnnx.Engine.Metrics;
using NasiOnnx.Engine.Ntk;
using NasiOnnx.Engine.Proxies;
using static NasiOnnx.Engine.Scoring.ScoringPass;

namespace NasiOnnx.Engine.Scoring;

/// <summary>
/// Every metric the engine computes, one entry each: its name, columns, the passes it reads and how its number is
/// formed from them. The scorer runs the union of the requested entries' passes once per model and then asks each
/// entry for its numbers, so adding a proxy is adding a line here (and, for a new kind of run, a pass in
/// <see cref="PassTable"/>). Definitions, sources and every choice made are in docs/PROXIES.md.
/// </summary>
public static class MetricTable
{
    public static IReadOnlyList<MetricEntry> Entries { get; } = WithEnsemble(
    [
        new("nasi", ["nasi", "loss"], [Gradient],
            c => [c.Passes.Get<GradientPass>(Gradient).Score.Score, c.Passes.Get<GradientPass>(Gradient).Score.Loss],
            "NASI's S = ‖∇θ (1/b) Σ CE‖², every parameter, batch-statistics BatchNorm (Shu et al., ICLR 2022)"),
        new("objective", ["objective"], [Gradient],
            c => [Objective(c.Passes.Get<GradientPass>(Gradient).Score.Score, c.Options)],
            "NASI's objective R = S − μ·max(0, S − ν) (needs --nu)", InAll: false),
        new("ntk", ["ntk", "ntk_se"], [ScoringPass.Ntk],
            c => [c.Passes.Get<NtkTrace>(ScoringPass.Ntk).Trace, c.Passes.Get<NtkTrace>(ScoringPass.Ntk).StandardError],
            "NTK trace Σ_x ‖∂f(x)/∂θ‖²_F = E_v ‖J v‖², finite-perturbation JVPs, with its standard error (not in all: its probes cost ~10 NASI scores)",
            InAll: false),
        new("params", ["params"], [None],
            c => [c.Parameters],
            "parameter count: float initializers of rank ≥ 1 that are trained (not BatchNorm statistics)"),
        new("flops", ["flops"], [None],
            c => [c.Passes.Get<StaticPass>(None).Macs],
            "multiply-accumulates per sample in Conv, ConvTranspose, Gemm and MatMul nodes"),
        new("grad_norm", ["grad_norm"], [None, Gradient],
            c => [GradientProxies.GradNorm(Layers(c), c.Passes.Get<GradientPass>(Gradient).Score.Gradients)],
            "Σ_layers ‖∂L/∂W‖₂ over Conv/Gemm/MatMul weights, L the batch-mean CE (zero-cost-nas grad_norm)"),
        new("snip", ["snip"], [None, Gradient],
            c => [GradientProxies.Snip(Layers(c), c.Passes.Get<StaticPass>(None).Values, c.Passes.Get<GradientPass>(Gradient).Score.Gradients)],
            "Σ_layers Σ |W ⊙ ∂L/∂W| (Lee et al. 2019; zero-cost-nas snip)"),
        new("zico", ["zico"], [None, Gradient, SecondGradient],
            c => [GradientProxies.Zico(Layers(c), [c.Passes.Get<GradientPass>(Gradient).Score.Gradients, c.Passes.Get<NasiScore>(SecondGradient).Gradients])],
            "Σ_layers log Σ mean|G|/std(G), G = g₁ then g₁ + g₂, the accumulated ∂L/∂W of two batches (Li et al., ICLR 2023; SLDGroup/ZiCo)"),
        new("synflow", ["synflow"], [Synflow],
            c => [c.Passes.Get<SynflowPass>(Synflow).Score()],
            "Σ_layers Σ |W| ⊙ ∂R/∂W, R = Σ f(1) with |θ| and BatchNorm as identity (Tanaka et al. 2020; zero-cost-nas synflow)"),
        new("nwot", ["nwot"], [Activations],
            c => [Nwot(c)],
            "log|det K|, K_ij = Σ_ReLUs (N_A − Hamming(c_i, c_j)), c = [x > 0] at each ReLU input (Mellor et al. 2021; NASLib nwot)"),
        new("meco", ["meco"], [Activations],
            c => [Meco.Score(c.Passes.Get<ActivationPass>(Activations).FeatureMaps)],
            "Σ over every 4-D node output of one sample of λ_min of its C × C channel correlation matrix (Jiang et al., NeurIPS 2023)"),
        new("zen", ["zen"], [GaussianInit],
            c => [c.Passes.Get<GaussianInitPass>(GaussianInit).Zen],
            "log mean_n Σ|f(x) − f(x + 0.01ε)| before global pooling + Σ_BN log √mean(running_var), N(0,1) weights (Lin et al. 2021)"),
        new("swap", ["swap"], [GaussianInit],
            c => [c.Passes.Get<GaussianInitPass>(GaussianInit).Swap],
            "distinct ReLU activation patterns of the neurons over 16 samples, N(0,1) weights (Peng et al., ICLR 2024)"),
        new("te_nas", ["te_nas", "te_nas_regions"], [TeNas, Activations],
            c => [c.Passes.Get<TeNasPass>(TeNas).Condition, Regions(c)],
            "TE-NAS: condition number of the 16-sample NTK of Σ_c f_c over the weights; distinct ReLU patterns over the batch (Chen et al. 2021). Not in all: 16 backward passes",
            InAll: false),
        new("jacob_cov", ["jacob_cov"], [InputJacobian],
            c => [JacobCov.Score(c.Passes.Get<InputJacobianPass>(InputJacobian).Jacobian)],
            "−Σ (log(λ + k) + 1/(λ + k)), λ the eigenvalues of corrcoef of ∂(Σf)/∂x_i, k = 1e-5 (zero-cost-nas jacob_cov)"),
        new("fisher", ["fisher"], [None, Probes],
            c => [ProbeProxies.Fisher(Layers(c), c.Passes.Get<ProbePass>(Probes).ChannelGradients(), c.Passes.Get<StaticPass>(None).Values)],
            "Σ_layers Σ_k ½ mean_n (Σ_pos y ⊙ ∂L/∂y)²_nk · |W|/C_out at every Conv/Gemm output (zero-cost-nas fisher)"),
        new("grasp", ["grasp"], [None, Probes],
            c => [ProbeProxies.Grasp(Layers(c), c.Passes.Get<StaticPass>(None).Values, c.Passes.Get<ProbePass>(Probes).HessianGradient())],
            "Σ_layers Σ −W ⊙ (H ∂L/∂W), H over the layer weights (Wang et al. 2020; zero-cost-nas grasp)"),
    ]);

    private static readonly Dictionary<string, MetricEntry> ByName =
        Entries.ToDictionary(e => e.Name, StringComparer.OrdinalIgnoreCase);

    public static bool TryFind(string name, out MetricEntry entry) => ByName.TryGetValue(name, out entry!);

    public static MetricEntry Find(Metric metric) => ByName[metric.Name];

    /// <summary>The result columns of <paramref name="metrics"/>, in order.</summary>
    public static IReadOnlyList<string> Columns(IEnumerable<Metric> metrics) => metrics.SelectMany(m => Find(m).Columns).ToList();

    public static double Objective(double s, ScoringOptions options) =>
        options.Nu is { } nu ? s - options.Mu * Math.Max(0, s - nu)
            : throw new MetricUnavailableException("the objective R = S − μ·max(0, S − ν) needs ν (--nu)");

    private static double Nwot(MetricContext c)
    {
        var relu = c.Passes.Get<ActivationPass>(Activations).ReluInputs;
        if (relu.Count == 0) throw new MetricUnavailableException("the model has no Relu node");
        var b = c.BatchSize;
        return Naswot.LogAbsDet(Naswot.Kernel(relu, b), b);
    }

    private static double Ensemble(MetricContext c)
    {
        var model = EnsembleCoefficients.Model;
        if (model.Members.Count == 0) throw new MetricUnavailableException("the ensemble is not fitted (nasi fit-ensemble)");
        return model.Score(name =>
        {
            try
            {
                return c.Value(name);
            }
            catch (MetricUnavailableException)
            {
                return double.NaN; // counts as the member's lowest percentile
            }
        });
    }

    /// <summary>The proxies, then <c>ensemble</c>, which needs its members' passes.</summary>
    private static MetricEntry[] WithEnsemble(MetricEntry[] proxies)
    {
        var members = EnsembleCoefficients.Model.Members.Select(m => m.Metric).ToHashSet(StringComparer.Ordinal);
        ScoringPass[] needs = [None, .. proxies.Where(e => members.Contains(e.Name)).SelectMany(e => e.Needs).Distinct()];
        return [.. proxies, new("ensemble", ["ensemble"], needs, c => [Ensemble(c)],
            "Σ w·percentile among the dev cells of a few proxies, fitted on the dev sample alone (EnsembleCoefficients; nasi fit-ensemble)",
            InAll: members.Count > 0)];
    }

    private static double Regions(MetricContext c)
    {
        var relu = c.Passes.Get<ActivationPass>(Activations).ReluInputs;
        return relu.Count > 0 ? Patterns.DistinctSamplePatterns(relu.Select(r => r.Value), c.BatchSize)
            : throw new MetricUnavailableException("the model has no Relu node");
    }

    private static IReadOnlyList<WeightLayer> Layers(MetricContext c)
    {
        var layers = c.Passes.Get<StaticPass>(None).Layers;
        return layers.Count > 0 ? layers : throw new MetricUnavailableException("the model has no Conv, Gemm or MatMul weight");
    }
}
