using System.Text.Json.Serialization;

namespace NasiOnnx.Engine.Ntk;

/// <summary>How <see cref="FiniteDifferenceJvp"/> differences f along v.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<DifferenceScheme>))]
public enum DifferenceScheme
{
    /// <summary>(f(θ + h v) − f(θ − h v)) / 2h: two forward passes per product, error O(h²) per product.</summary>
    Central,

    /// <summary>
    /// (f(θ + h v) − f(θ)) / h with f(θ) computed once: one forward pass per product. Each product is off by
    /// O(h) (½ h vᵀ∇²f v), but that error is even in v while J v is odd, so for symmetric probes their cross
    /// term vanishes in expectation and the trace and Gram estimates keep an O(h²) bias, like central ones.
    /// </summary>
    Forward,
}
