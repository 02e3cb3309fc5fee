namespace NasiOnnx.Engine.Search;

/// <summary>How the penalty threshold ν of R = S − μ·max(0, S − ν) is set.</summary>
public enum NasiVariant
{
    /// <summary>NASI-FIX: ν fixed for the whole search (given, or calibrated once before it).</summary>
    Fix,
    /// <summary>NASI-ADA: ν follows the running high quantile (NuQuantile) of the S values the search has seen.</summary>
    Ada,
}
