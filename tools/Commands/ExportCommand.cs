using System.CommandLine;
using NasiOnnx.Engine;
using NasiOnnx.Engine.Graphs;
using NasiOnnx.Models.Nb201;
using NasiOnnx.Tools.Cli;

namespace NasiOnnx.Tools.Commands;

/// <summary><c>nasi export --arch STR -o net.onnx</c>: writes a generated network as an ONNX file.</summary>
public static class ExportCommand
{
    public static Command Create(ConsoleIO io)
    {
        var net = new NetworkOptions();
        var output = new Option<FileInfo>("-o", "--output") { Description = "The .onnx file to write.", Required = true };
        var command = new Command("export", "Build a NAS-Bench-201 network with seeded initial weights and save it as ONNX.") { output };
        net.AddTo(command);
        command.SetAction(parse => io.Guard(() =>
        {
            var cell = net.Cell(parse);
            var model = Nb201Network.Build(cell, net.Network(parse));
            var path = parse.GetValue(output)!.FullName;
            try { ModelFile.Save(model, path); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new NasiException($"{path}: cannot write the file ({e.Message})");
            }
            var summary = ModelSummary.Of(model);
            io.Out.WriteLine($"wrote {path}: {cell}, {summary.Parameters:N0} parameters, {summary.NodeCount} nodes");
            return 0;
        }));
        return command;
    }
}
