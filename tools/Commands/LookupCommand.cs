using System.CommandLine;
using NasiOnnx.Engine;
using NasiOnnx.Models.Nb201;
using NasiOnnx.Tools.Cli;

namespace NasiOnnx.Tools.Commands;

/// <summary><c>nasi lookup CELL… --truth FILE</c>: trained accuracies and ranks of NAS-Bench-201 cells, as the benchmark's API gives them.</summary>
public static class LookupCommand
{
    public static Command Create(ConsoleIO io)
    {
        var cells = new Argument<string[]>("cells") { Description = "NAS-Bench-201 cell strings.", Arity = ArgumentArity.OneOrMore };
        var truth = new Option<FileInfo>("--truth") { Description = "The accuracy table (e.g. ../shared/nb201/nb201_all.csv).", Required = true };
        var json = new Option<bool>("--json") { Description = "Print JSON." };
        var command = new Command("lookup", "Print NAS-Bench-201 cells' trained test accuracies and their ranks.") { cells, truth, json };
        command.SetAction(parse => io.Guard(() =>
        {
            var file = parse.GetValue(truth)!;
            if (!file.Exists) throw new NasiException($"--truth {file.FullName}: no such file");
            var table = Nb201Truth.Load(file.FullName);
            var found = parse.GetValue(cells)!.Select(table.Lookup).ToList();
            if (parse.GetValue(json)) { io.Out.WriteLine(NasiJson.Serialize(found)); return 0; }
            foreach (var a in found) io.Out.WriteLine($"{a.Cell}\n  {Describe(a)}");
            return 0;
        }));
        return command;
    }

    /// <summary>"CIFAR-10 93.76 % (rank 61 of 15,625), CIFAR-100 …".</summary>
    public static string Describe(Nb201Accuracy a) =>
        $"CIFAR-10 {a.Cifar10:F2} % (rank {a.RankCifar10:N0}), CIFAR-100 {a.Cifar100:F2} % (rank {a.RankCifar100:N0}), " +
        $"ImageNet16-120 {a.ImageNet16:F2} % (rank {a.RankImageNet16:N0}) of {a.Of:N0} cells";
}
