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
    public static IReadOnlyList<MetricEntry> Entries { get; } =
    [
        new("nasi", ["nasi", "loss"], [Gradient],
            c => c.Passes.Get<GradientPass>(Gradient).Score is var s ? [s.Score, s.Loss] : [],
            "NASI's S = ‖∇θ (1/b) Σ CE‖², every parameter, batch-statistics BatchNorm (Shu et al., ICLR 2022)"),
        new("objective", ["objective"], [Gradient],
            c => [Objective(c.Passes.Get<GradientPass>(Gradient).Score.Score, c.Options)],
            "NASI's objective R = S − μ·max(0, S − ν) (needs --nu)", InAll: false),
        new("ntk", ["ntk", "ntk_se"], [ScoringPass.Ntk],
            c => c.Passes.Get<NtkTrace>(ScoringPass.Ntk) is var t ? [t.Trace, t.StandardError] : [],
            "NTK trace Σ_x ‖∂f(x)/∂θ‖²_F = E_v ‖J v‖², finite-perturbation JVPs, with its standard error"),
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
            "Σ_layers log Σ mean|g|/std(g) over two batches' ∂L/∂W (Li et al., ICLR 2023; SLDGroup/ZiCo)"),
    ];

    private static readonly Dictionary<string, MetricEntry> ByName =
        Entries.ToDictionary(e => e.Name, StringComparer.OrdinalIgnoreCase);

    public static bool TryFind(string name, out MetricEntry entry) => ByName.TryGetValue(name, out entry!);

    public static MetricEntry Find(Metric metric) => ByName[metric.Name];

    /// <summary>The result columns of <paramref name="metrics"/>, in order.</summary>
    public static IReadOnlyList<string> Columns(IEnumerable<Metric> metrics) => metrics.SelectMany(m => Find(m).Columns).ToList();

    public static double Objective(double s, ScoringOptions options) =>
        options.Nu is { } nu ? s - options.Mu * Math.Max(0, s - nu)
            : throw new MetricUnavailableException("the objective R = S − μ·max(0, S − ν) needs ν (--nu)");

    private static IReadOnlyList<WeightLayer> Layers(MetricContext c)
    {
        var layers = c.Passes.Get<StaticPass>(None).Layers;
        return layers.Count > 0 ? layers : throw new MetricUnavailableException("the model has no Conv, Gemm or MatMul weight");
    }
}
