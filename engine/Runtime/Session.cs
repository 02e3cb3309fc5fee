using Microsoft.ML.OnnxRuntime;
using NasiOnnx.Engine.Graphs;

namespace NasiOnnx.Engine.Runtime;

/// <summary>
/// An ONNX Runtime session with its options, owned together and disposed together. Not safe to run from two
/// threads at once: give each worker its own.
/// </summary>
public sealed class Session : IDisposable
{
    private readonly InferenceSession _session;
    private readonly SessionOptions _options;
    // Fatal only: a failed run's error line from ONNX Runtime would repeat on stderr what the exception raised below says.
    private readonly RunOptions _runOptions = new() { LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL };

    internal Session(InferenceSession session, SessionOptions options, string provider, string providerLine)
    {
        _session = session;
        _options = options;
        Provider = provider;
        ProviderLine = providerLine;
    }

    /// <summary>"CPU" or "CUDA".</summary>
    public string Provider { get; }

    /// <summary>Which provider runs and why, as printed for the user.</summary>
    public string ProviderLine { get; }

    public IReadOnlyList<string> InputNames => _session.InputNames;
    public IReadOnlyList<string> OutputNames => _session.OutputNames;

    /// <summary>Runs with caller-owned OrtValues (e.g. pinned weights edited in place between runs).</summary>
    public IDisposableReadOnlyCollection<OrtValue> Run(IReadOnlyList<string> inputNames, IReadOnlyList<OrtValue> inputs,
        IReadOnlyList<string> outputNames)
    {
        try
        {
            return _session.Run(_runOptions, inputNames, inputs, outputNames);
        }
        catch (OnnxRuntimeException e)
        {
            throw new NasiException($"ONNX Runtime failed to run the graph: {e.Message.Split('\n')[0]}");
        }
    }

    /// <summary>Runs on host arrays: float tensors and int64 vectors by input name; returns float outputs.</summary>
    public Tensor[] Run(IReadOnlyDictionary<string, Tensor> floats, IReadOnlyDictionary<string, long[]>? int64s,
        IReadOnlyList<string> outputNames)
    {
        var names = new List<string>();
        var values = new List<OrtValue>();
        try
        {
            foreach (var (name, t) in floats)
            {
                names.Add(name);
                values.Add(OrtValue.CreateTensorValueFromMemory(t.Data, t.Shape));
            }
            if (int64s is not null)
                foreach (var (name, v) in int64s)
                {
                    names.Add(name);
                    values.Add(OrtValue.CreateTensorValueFromMemory(v, [v.LongLength]));
                }
            using var outputs = Run(names, values, outputNames);
            return outputs.Select(ToTensor).ToArray();
        }
        finally
        {
            foreach (var v in values) v.Dispose();
        }
    }

    /// <summary>Ends profiling (<see cref="RuntimeOptions.ProfilePrefix"/>) and returns the profile file's path.</summary>
    public string EndProfiling() => _session.EndProfiling();

    public static Tensor ToTensor(OrtValue value)
    {
        var info = value.GetTensorTypeAndShape();
        return new Tensor(value.GetTensorDataAsSpan<float>().ToArray(), info.Shape);
    }

    public void Dispose()
    {
        _session.Dispose();
        _options.Dispose();
        _runOptions.Dispose();
    }
}
