using NasiOnnx.Engine;

namespace NasiOnnx.Tools.Cli;

/// <summary>Expands the command line's model arguments: files, folders (every .onnx below), globs, list files.</summary>
public static class InputFiles
{
    public static IReadOnlyList<string> Expand(IEnumerable<string> arguments, string? listFile)
    {
        var result = new List<string>();
        foreach (var argument in arguments) result.AddRange(ExpandOne(argument));
        if (listFile is not null)
        {
            string[] lines;
            try { lines = File.ReadAllLines(listFile); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new NasiException($"{listFile}: cannot read the list file ({e.Message})");
            }
            var dir = Path.GetDirectoryName(Path.GetFullPath(listFile))!;
            foreach (var line in lines.Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')))
                result.AddRange(ExpandOne(Path.IsPathRooted(line) ? line : Path.Combine(dir, line)));
        }
        return result.Select(Path.GetFullPath).Distinct(StringComparer.Ordinal).ToList();
    }

    private static IEnumerable<string> ExpandOne(string argument)
    {
        if (Directory.Exists(argument))
            return Directory.EnumerateFiles(argument, "*.onnx", SearchOption.AllDirectories).Order(StringComparer.Ordinal);
        if (argument.IndexOfAny(['*', '?']) >= 0)
        {
            // A quoted glob the shell did not expand: "dir/*.onnx" or "dir/**/*.onnx".
            var recursive = argument.Contains("**");
            var dir = Path.GetDirectoryName(argument.Replace("**" + Path.DirectorySeparatorChar, "").Replace("**", "")) is { Length: > 0 } d ? d : ".";
            var pattern = Path.GetFileName(argument);
            if (!Directory.Exists(dir)) throw new NasiException($"{argument}: no folder '{dir}'");
            var matches = Directory.EnumerateFiles(dir, pattern, recursive ? SearchOption.AllDirectories : SearchOption.TopDirectoryOnly)
                .Order(StringComparer.Ordinal).ToList();
            if (matches.Count == 0) throw new NasiException($"{argument}: no file matches");
            return matches;
        }
        if (!File.Exists(argument)) throw new NasiException($"{argument}: no such file or folder");
        return [argument];
    }
}
