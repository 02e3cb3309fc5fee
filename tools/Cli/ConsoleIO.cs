using NasiOnnx.Engine;

namespace NasiOnnx.Tools.Cli;

/// <summary>Where a command writes, and how failures become one line on stderr and an exit code.</summary>
public sealed class ConsoleIO(TextWriter stdout, TextWriter stderr)
{
    /// <summary>Exit code for bad input (a file, an option value, a model the engine cannot handle).</summary>
    public const int BadInput = 2;
    /// <summary>Exit code for an internal error (a bug): still one line, no stack trace unless NASI_DEBUG=1.</summary>
    public const int InternalError = 70;
    /// <summary>Exit code when the user cancelled (Ctrl+C).</summary>
    public const int Cancelled = 130;

    public TextWriter Out { get; } = stdout;
    public TextWriter Err { get; } = stderr;

    /// <summary>Whether stderr is a terminal (progress bars) rather than a file or pipe (plain lines).</summary>
    public bool Interactive => ReferenceEquals(Err, Console.Error) && !Console.IsErrorRedirected;

    public int Fail(Exception e)
    {
        switch (e)
        {
            case OperationCanceledException:
                Err.WriteLine("nasi: cancelled");
                return Cancelled;
            case NasiException:
                Err.WriteLine($"nasi: {e.Message}");
                return BadInput;
            default:
                Err.WriteLine($"nasi: internal error: {e.GetType().Name}: {e.Message.Split('\n')[0]}");
                if (Environment.GetEnvironmentVariable("NASI_DEBUG") == "1") Err.WriteLine(e);
                return InternalError;
        }
    }

    /// <summary>Runs a command body, turning its exceptions into one line and an exit code.</summary>
    public int Guard(Func<int> body)
    {
        try { return body(); }
        catch (Exception e) { return Fail(e); }
    }

    public async Task<int> GuardAsync(Func<Task<int>> body)
    {
        try { return await body(); }
        catch (Exception e) { return Fail(e); }
    }
}
