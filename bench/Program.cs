using BenchmarkDotNet.Running;

namespace NasiOnnx.Bench;

public static class Program
{
    public static void Main(string[] args)
    {
        if (args is ["--quick", .. var rest])
        {
            GradientBenchmarks.Quick(rest.Length > 0 ? int.Parse(rest[0]) : 2, rest.Length > 1 && rest[1] != "-" ? rest[1] : null,
                rest.Length > 2 ? rest[2] : null);
            return;
        }
        if (args is ["--fuzz", .. var fuzz])
        {
            Environment.Exit(Fuzz.FuzzCampaign.Run(fuzz));
            return;
        }
        if (args is ["--exports", .. var dir])
        {
            Exports.ExportCollectionRun.Run(dir.FirstOrDefault());
            return;
        }
        if (args is ["--proxy-cost", var costCell])
        {
            ProxyCostBenchmarks.Breakdown(costCell);
            return;
        }
        if (args is ["--profile", var profileCell, var directory, .. var options])
        {
            Overhead.Profile(profileCell, options.Length > 0 ? int.Parse(options[0]) : 1, 8, options.Contains("standard"), directory);
            return;
        }
        if (args is ["--overhead", var overheadCell, .. var more])
        {
            Overhead.Run(overheadCell, more.Length > 0 ? int.Parse(more[0]) : 1, more.Length > 1 ? int.Parse(more[1]) : 3, more.Contains("standard"));
            return;
        }
        if (args is ["--peak-memory", var cell])
        {
            PeakMemory.Run(cell);
            return;
        }
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
    }
}
