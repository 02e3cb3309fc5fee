using System.Text.Json.Serialization;

namespace NasiOnnx.Engine.Ntk;

/// <summary>Distribution of the random directions v; both have E[v vᵀ] = I, so E‖J v‖² = ‖J‖²_F.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ProbeKind>))]
public enum ProbeKind
{
    /// <summary>±1 entries: the lowest-variance choice for Hutchinson-style trace estimates.</summary>
    Rademacher,
    /// <summary>N(0, 1) entries.</summary>
    Gaussian,
}
