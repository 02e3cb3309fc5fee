namespace NasiOnnx.Tests;

/// <summary>Where the checkout and the shared folder beside it are, found from the test assembly.</summary>
public static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    /// <summary>The <c>shared/</c> folder beside the checkout (docs; the NB201 tables are found by <see cref="Nb201Tables"/>).</summary>
    public static string Shared => Path.GetFullPath(Path.Combine(Root, "..", "shared"));

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "NasiOnnx.sln"))) return dir.FullName;
        throw new InvalidOperationException("NasiOnnx.sln not found above " + AppContext.BaseDirectory);
    }
}
