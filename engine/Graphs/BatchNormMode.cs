namespace NasiOnnx.Engine.Graphs;

/// <summary>How BatchNormalization normalizes: with the batch's statistics (as a fresh PyTorch network in
/// <c>train()</c> mode, NASI's setting) or with its stored running statistics.</summary>
public enum BatchNormMode
{
    Training,
    Inference,
}
