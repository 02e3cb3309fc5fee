using System.CommandLine;
using NasiOnnx.Engine;
using NasiOnnx.Engine.Graphs;
using NasiOnnx.Tools.Cli;

namespace NasiOnnx.Tools.Commands;

/// <summary><c>nasi info model.onnx</c>: inputs, outputs, op histogram, parameter count.</summary>
public static class InfoCommand
{
    public static Command Create(ConsoleIO io)
    {
        var model = new Argument<FileInfo>("model") { Description = "An .onnx file." };
        var json = new Option<bool>("--json") { Description = "Print JSON instead of a table." };
        var command = new Command("info", "Describe an ONNX model: inputs, outputs, op histogram, parameter count.") { model, json };
        command.SetAction(parse => io.Guard(() =>
        {
            var path = parse.GetValue(model)!.FullName;
            var summary = ModelSummary.Of(ModelFile.Load(path));
            if (parse.GetValue(json)) io.Out.WriteLine(NasiJson.Serialize(summary));
            else Print(io.Out, path, summary);
            return 0;
        }));
        return command;
    }

    private static void Print(TextWriter w, string path, ModelSummary s)
    {
        w.WriteLine($"model       {path}");
        w.WriteLine($"graph       {s.GraphName}   opset {string.Join(",", s.Opsets)}");
        foreach (var i in s.Inputs) w.WriteLine($"input       {i}");
        foreach (var o in s.Outputs) w.WriteLine($"output      {o}");
        w.WriteLine($"parameters  {s.Parameters:N0} in {s.ParameterTensors} tensors");
        w.WriteLine($"nodes       {s.NodeCount}");
        foreach (var (op, count) in s.OpHistogram) w.WriteLine($"  {op,-24}{count,6}");
    }
}
