using System.Globalization;
using System.Text.Json;
using NasiOnnx.Models.Api;

namespace NasiOnnx.Tests.Api;

/// <summary>
/// Packs the engine and the models, then builds and runs a console program outside the repository that references
/// only the NasiOnnx.Models package: the packages must restore, carry the CPU runtime (and not the CUDA one), and
/// score exactly as the library does in-process.
/// </summary>
[Category("Packaging")]
[NonParallelizable]
public class PackageConsumerTests
{
    private static readonly TimeSpan StepTimeout = TimeSpan.FromMinutes(6);

    private string _root = "";
    private string _version = "";

    [SetUp]
    public void SetUp()
    {
        // A fresh version each run: the NuGet cache can never hand back the packages of an older run.
        _version = $"0.1.0-test{DateTime.UtcNow:yyyyMMddHHmmssfff}p{Environment.ProcessId}";
        _root = Directory.CreateTempSubdirectory("nasi-consumer").FullName;
    }

    [TearDown]
    public void TearDown()
    {
        Directory.Delete(_root, true);
        // The consumer's restore put this run's packages in the global cache; they are of no use to anyone else.
        var cache = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } p
            ? p : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        foreach (var id in new[] { "nasionnx.engine", "nasionnx.models" })
        {
            var versions = Path.Combine(cache, id);
            var dir = Path.Combine(versions, _version);
            if (Directory.Exists(dir)) Directory.Delete(dir, true);
            if (Directory.Exists(versions) && !Directory.EnumerateFileSystemEntries(versions).Any()) Directory.Delete(versions);
        }
    }

    [Test]
    public void AConsoleProgramReferencingThePackagesScoresAsTheLibraryDoes()
    {
        var feed = Path.Combine(_root, "feed");
        var artifacts = Path.Combine(_root, "artifacts"); // keeps the repository's bin/ and obj/ out of it
        foreach (var project in new[] { "engine/NasiOnnx.Engine.csproj", "models/NasiOnnx.Models.csproj" })
        {
            var pack = DotnetCommand.Run(RepoPaths.Root, StepTimeout, "pack", project, "-c", "Release", "-o", feed,
                "--artifacts-path", artifacts, $"-p:Version={_version}", "-p:NasiGpu=false");
            Assert.That(pack.ExitCode, Is.EqualTo(0), pack.ToString());
        }
        Assert.That(File.Exists(Path.Combine(feed, $"NasiOnnx.Engine.{_version}.nupkg")), Directory.GetFiles(feed).Aggregate("feed:", (a, f) => a + " " + f));
        Assert.That(File.Exists(Path.Combine(feed, $"NasiOnnx.Models.{_version}.nupkg")));

        var consumer = WriteConsumer(feed);
        var run = DotnetCommand.Run(consumer, StepTimeout, "run", "-c", "Release");
        Assert.That(run.ExitCode, Is.EqualTo(0), run.ToString());

        var line = run.Output.Split('\n').Select(l => l.Trim()).LastOrDefault(l => l.StartsWith("score ", StringComparison.Ordinal));
        Assert.That(line, Is.Not.Null, run.ToString());
        var packaged = double.Parse(line!["score ".Length..], CultureInfo.InvariantCulture);
        var inProcess = Nasi.Score(ModelSource.Nb201(TinyApi.Cell, TinyApi.Nb201), TinyApi.Scoring).Nasi!.Score;
        Assert.That(packaged, Is.EqualTo(inProcess), run.ToString());

        var libraries = RestoredLibraries(consumer);
        Assert.That(libraries, Has.Some.StartsWith("Microsoft.ML.OnnxRuntime/"), "the CPU runtime comes with the packages");
        Assert.That(libraries, Has.None.StartsWith("Microsoft.ML.OnnxRuntime.Gpu"), "and never the CUDA one beside it");
    }

    /// <summary>
    /// A console project outside the repository, with its own NuGet sources and none of the repository's props. Our
    /// packages come from the test feed only; the rest from nuget.org, or from the cache without asking it.
    /// </summary>
    private string WriteConsumer(string feed)
    {
        var dir = Directory.CreateDirectory(Path.Combine(_root, "consumer")).FullName;
        // Empty files here end MSBuild's upward search, whatever lies above the temp folder.
        foreach (var name in new[] { "Directory.Build.props", "Directory.Build.targets", "Directory.Packages.props" })
            File.WriteAllText(Path.Combine(dir, name), "<Project />\n");
        File.WriteAllText(Path.Combine(dir, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="nasi-test-feed" value="{feed}" />
                <add key="nuget.org" value="https://api.nuget.org/v3/index.json" />
              </packageSources>
              <packageSourceMapping>
                <packageSource key="nasi-test-feed"><package pattern="NasiOnnx.*" /></packageSource>
                <packageSource key="nuget.org"><package pattern="*" /></packageSource>
              </packageSourceMapping>
            </configuration>
            """);
        File.WriteAllText(Path.Combine(dir, "Consumer.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
                <ManagePackageVersionsCentrally>false</ManagePackageVersionsCentrally>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="NasiOnnx.Models" Version="{_version}" />
              </ItemGroup>
            </Project>
            """);
        // The options spelled out as TinyApi has them: the in-process score above uses TinyApi itself.
        File.WriteAllText(Path.Combine(dir, "Program.cs"), $$"""
            using System.Globalization;
            using NasiOnnx.Engine.Runtime;
            using NasiOnnx.Engine.Scoring;
            using NasiOnnx.Models.Api;
            using NasiOnnx.Models.Nb201;

            var network = new Nb201NetworkOptions { C = {{TinyApi.Nb201.C}}, N = {{TinyApi.Nb201.N}}, InputSize = {{TinyApi.Nb201.InputSize}}, Seed = {{TinyApi.Nb201.Seed}} };
            var options = new ScoringOptions
            {
                BatchSize = {{TinyApi.Scoring.BatchSize}},
                Seed = {{TinyApi.Scoring.Seed}},
                Runtime = new RuntimeOptions { Provider = ExecutionProvider.Cpu, IntraOpThreads = 1 },
            };
            var score = Nasi.Score(ModelSource.Nb201("{{TinyApi.Cell}}", network), options);
            Console.WriteLine("score " + score.Nasi!.Score.ToString("R", CultureInfo.InvariantCulture));
            """);
        return dir;
    }

    /// <summary>"id/version" of every package the consumer's restore resolved.</summary>
    private static List<string> RestoredLibraries(string consumer)
    {
        using var assets = JsonDocument.Parse(File.ReadAllText(Path.Combine(consumer, "obj", "project.assets.json")));
        return assets.RootElement.GetProperty("libraries").EnumerateObject().Select(p => p.Name).ToList();
    }
}
