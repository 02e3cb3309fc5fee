using System.CommandLine;
using NasiOnnx.Tools.Cli;
using NasiOnnx.Tools.Commands;

namespace NasiOnnx.Tools;

/// <summary>The <c>nasi</c> command line: a thin layer over the engine and models libraries.</summary>
public static class Program
{
    public static int Main(string[] args) => Run(args, Console.Out, Console.Error);

    /// <summary>Runs one command line; tests call this with their own writers.</summary>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        var io = new ConsoleIO(stdout, stderr);
        var root = new RootCommand("NasiOnnx: training-free neural architecture search (NASI) over ONNX models.")
        {
            ExportCommand.Create(io),
            ScoreCommand.Create(io),
            SearchCommand.Create(io),
            RankCommand.Create(io),
            NtkCommand.Create(io),
            MergeCommand.Create(io),
            InfoCommand.Create(io),
            EvaluateCommand.Create(io),
            LookupCommand.Create(io),
            StudyCommand.Create(io),
            FitEnsembleCommand.Create(io),
            ParetoCommand.Create(io),
            RegretCommand.Create(io),
        };
        var config = new InvocationConfiguration { Output = stdout, Error = stderr, EnableDefaultExceptionHandler = false };
        try
        {
            var parse = root.Parse(args);
            if (parse.Errors.Count > 0 && !args.Any(a => a is "-h" or "--help" or "-?"))
            {
                // One line per problem, not a page of help: scripts read stderr.
                foreach (var error in parse.Errors) stderr.WriteLine($"nasi: {error.Message}");
                stderr.WriteLine($"Run 'nasi {string.Join(' ', args.TakeWhile(a => !a.StartsWith('-')).Take(1))} --help' for usage.".Replace("  ", " "));
                return ConsoleIO.BadInput;
            }
            return parse.Invoke(config);
        }
        catch (Exception e)
        {
            return io.Fail(e);
        }
    }
}
