namespace NasiOnnx.Engine;

/// <summary>
/// Base of every error the engine reports about its inputs (a file, a node, an option value). Its message is one
/// line that names what was wrong, fit to print as is; anything else escaping the engine is a bug.
/// </summary>
public class NasiException : Exception
{
    public NasiException(string message) : base(message) { }
    public NasiException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>A model file or model bytes could not be read or are not a usable ONNX model.</summary>
public sealed class ModelLoadException(string message, Exception? inner = null)
    : NasiException(message, inner ?? new Exception(message));

/// <summary>A graph holds something the engine cannot handle; the message names the node and op.</summary>
public sealed class GraphException : NasiException
{
    public GraphException(string message) : base(message) { }
    public GraphException(string message, Exception inner) : base(message, inner) { }
}
