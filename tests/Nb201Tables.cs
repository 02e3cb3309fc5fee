namespace NasiOnnx.Tests;

/// <summary>
/// Where the NAS-Bench-201 ground-truth tables are. They cannot live in this repository: CI and the project's
/// machines keep them in <c>../shared/nb201</c> beside the checkout, and <c>NASI_NB201_DIR</c> points elsewhere.
/// A test that needs a table gets it through <see cref="Require"/>, which skips the test (naming the path it
/// looked at) where the tables are absent, so a bare clone's test run passes.
/// </summary>
public static class Nb201Tables
{
    public const string EnvironmentVariable = "NASI_NB201_DIR";

    /// <summary><c>$NASI_NB201_DIR</c> when set, else <c>../shared/nb201</c> relative to the checkout.</summary>
    public static string Directory =>
        Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } dir
            ? Path.GetFullPath(dir)
            : Path.Combine(RepoPaths.Shared, "nb201");

    /// <summary>The path of <paramref name="file"/> in <see cref="Directory"/>; skips the calling test if it is absent.</summary>
    public static string Require(string file)
    {
        var path = Path.Combine(Directory, file);
        if (!File.Exists(path))
            Assert.Ignore($"the NAS-Bench-201 table {path} is absent (set {EnvironmentVariable} to the folder that holds {file})");
        return path;
    }
}
