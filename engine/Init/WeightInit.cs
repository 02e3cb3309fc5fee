namespace NasiOnnx.Engine.Init;

/// <summary>Initialization schemes for conv and linear weights.</summary>
public enum WeightInit
{
    /// <summary>PyTorch's default: kaiming_uniform(a = √5) = U(−1/√fan_in, 1/√fan_in); biases the same.</summary>
    PyTorch,
    /// <summary>kaiming_normal (fan_in, ReLU gain): N(0, 2/fan_in); biases zero.</summary>
    KaimingNormal,
    /// <summary>xavier_uniform: U(±√(6/(fan_in+fan_out))); biases zero.</summary>
    Xavier,
}
