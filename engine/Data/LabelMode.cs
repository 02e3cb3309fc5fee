namespace NasiOnnx.Engine.Data;

/// <summary>Which labels a batch carries: the data's own, or uniform random classes (seeded).</summary>
public enum LabelMode
{
    True,
    Random,
}
