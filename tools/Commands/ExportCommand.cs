using System.CommandLine;
using NasiOnnx.Engine;
using NasiOnnx.Engine.Graphs;
using NasiOnnx.Models.Darts;
using NasiOnnx.Models.Nb201;
using NasiOnnx.Tools.Cli;
using Onnx;

namespace NasiOnnx.Tools.Commands;

/// <summary>
/// <c>nasi export --arch STR -o net.onnx</c> (NAS-Bench-201) or <c>nasi export --space darts --genotype NAME|STR -o net.onnx</c>
/// (a DARTS evaluation network, CIFAR skeleton): writes a generated network as an ONNX file.
/// </summary>
public static class ExportCommand
{
    public static Command Create(ConsoleIO io)
    {
        var net = new NetworkOptions();
        var output = new Option<FileInfo>("-o", "--output") { Description = "The .onnx file to write.", Required = true };
        var space = new Option<string>("--space") { Description = "nb201 (--arch) or darts (--genotype).", DefaultValueFactory = _ => "nb201" };
        var genotype = new Option<string?>("--genotype") { Description = "DARTS genotype string or preset name (darts-v2, nasi-fix, …); -C and -N (cells) default to 36 and 20." };
        var command = new Command("export", "Build a NAS-Bench-201 network or a DARTS genotype's network with seeded initial weights and save it as ONNX.")
            { output, space, genotype };
        net.AddTo(command);
        command.SetAction(parse => io.Guard(() =>
        {
            string description;
            ModelProto model;
            switch (parse.GetValue(space)!.ToLowerInvariant())
            {
                case "nb201":
                    if (parse.GetValue(genotype) is not null) throw new NasiException("--genotype needs --space darts");
                    var cell = net.Cell(parse);
                    model = Nb201Network.Build(cell, net.Network(parse));
                    description = cell.ToString();
                    break;
                case "darts":
                    if (parse.GetValue(net.Arch) is not null) throw new NasiException("--arch is a NAS-Bench-201 cell; --space darts takes --genotype");
                    var text = parse.GetValue(genotype);
                    if (string.IsNullOrWhiteSpace(text)) throw new NasiException("--space darts needs --genotype: a genotype string or a preset name");
                    // A genotype string has parentheses; anything else is a preset name (an unknown one is refused with the known names).
                    var found = text.Contains('(') ? DartsGenotype.Parse(text) : DartsPresets.Get(text);
                    var defaults = DartsNetworkOptions.Cifar10;
                    var options = defaults with
                    {
                        C = parse.GetResult(net.Channels) is { Implicit: false } ? NetworkOptions.Positive(parse, net.Channels) : defaults.C,
                        Layers = parse.GetResult(net.Cells) is { Implicit: false } ? NetworkOptions.Positive(parse, net.Cells) : defaults.Layers,
                        Classes = NetworkOptions.Positive(parse, net.Classes),
                        InputSize = NetworkOptions.Positive(parse, net.InputSize),
                        Seed = parse.GetValue(net.Seed),
                        BatchNorm = parse.GetValue(net.Bn) is { } bn ? NetworkOptions.ParseBn(bn) : defaults.BatchNorm,
                        Init = NetworkOptions.ParseInit(parse.GetValue(net.Init)!),
                    };
                    model = DartsNetwork.BuildCifar(found, options);
                    description = $"{found} (C = {options.C}, {options.Layers} cells)";
                    break;
                case var other:
                    throw new NasiException($"--space '{other}': expected nb201 or darts");
            }
            var path = parse.GetValue(output)!.FullName;
            try { ModelFile.Save(model, path); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new NasiException($"{path}: cannot write the file ({e.Message})");
            }
            var summary = ModelSummary.Of(model);
            io.Out.WriteLine($"wrote {path}: {description}, {summary.Parameters:N0} parameters, {summary.NodeCount} nodes");
            return 0;
        }));
        return command;
    }
}
