using System.CommandLine;
using NasiOnnx.Engine;
using NasiOnnx.Engine.Graphs;
using NasiOnnx.Engine.Init;
using NasiOnnx.Models.Nb201;

namespace NasiOnnx.Tools.Cli;

/// <summary>The options that shape a generated NAS-Bench-201 network, shared by export, score, ntk and search.</summary>
public sealed class NetworkOptions
{
    public Option<string> Arch { get; } = new("--arch") { Description = "NAS-Bench-201 cell string, or 'default'." };
    public Option<int> Channels { get; } = new("-C", "--channels") { Description = "Channels of the first stage.", DefaultValueFactory = _ => 16 };
    public Option<int> Cells { get; } = new("-N", "--cells") { Description = "Cells per stage.", DefaultValueFactory = _ => 5 };
    public Option<int> Classes { get; } = new("--classes") { Description = "Output classes.", DefaultValueFactory = _ => 10 };
    public Option<int> InputSize { get; } = new("--input-size") { Description = "Input height and width.", DefaultValueFactory = _ => 32 };
    public Option<ulong> Seed { get; } = new("--seed") { Description = "Seed of the initial weights (and of the data).", DefaultValueFactory = _ => 0UL };
    /// <summary>Generated networks default to train; .onnx files are scored as exported unless --bn is given.</summary>
    public Option<string?> Bn { get; } = new("--bn") { Description = "BatchNorm: train (batch statistics; default for --arch) or inference; for .onnx files, train switches them to batch statistics." };
    public Option<string> Init { get; } = new("--init") { Description = "Weight init: pytorch, kaiming-normal or xavier.", DefaultValueFactory = _ => "pytorch" };

    public IEnumerable<Option> All => [Arch, Channels, Cells, Classes, InputSize, Seed, Bn, Init];

    public void AddTo(Command command)
    {
        foreach (var o in All) command.Options.Add(o);
    }

    public Nb201Cell Cell(ParseResult parse)
    {
        var text = parse.GetValue(Arch);
        if (string.IsNullOrWhiteSpace(text)) throw new NasiException("--arch is required: a NAS-Bench-201 cell string, or 'default'");
        return text == "default" ? Nb201Cell.Default : Nb201Cell.Parse(text);
    }

    public Nb201NetworkOptions Network(ParseResult parse, long? batch = null) => new()
    {
        C = Positive(parse, Channels),
        N = Positive(parse, Cells),
        Classes = Positive(parse, Classes),
        InputSize = Positive(parse, InputSize),
        Seed = parse.GetValue(Seed),
        BatchNorm = parse.GetValue(Bn) is { } bn ? ParseBn(bn) : BatchNormMode.Training,
        Init = ParseInit(parse.GetValue(Init)!),
        Batch = batch,
    };

    public static BatchNormMode ParseBn(string text) => text.ToLowerInvariant() switch
    {
        "train" or "training" => BatchNormMode.Training,
        "inference" or "eval" => BatchNormMode.Inference,
        _ => throw new NasiException($"--bn '{text}': expected train or inference"),
    };

    public static WeightInit ParseInit(string text) => text.ToLowerInvariant() switch
    {
        "pytorch" => WeightInit.PyTorch,
        "kaiming-normal" => WeightInit.KaimingNormal,
        "xavier" => WeightInit.Xavier,
        _ => throw new NasiException($"--init '{text}': expected pytorch, kaiming-normal or xavier"),
    };

    public static int Positive(ParseResult parse, Option<int> option)
    {
        var v = parse.GetValue(option);
        return v >= 1 ? v : throw new NasiException($"{option.Name} must be at least 1 (got {v})");
    }
}
