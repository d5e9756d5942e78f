namespace Onnx.Tests;

/// <summary>Locates the shared test data, which is read in place (never copied into the repository).</summary>
internal static class TestData
{
    public const string ConformanceVariable = "ONNX_CONFORMANCE_DIR";

    /// <summary>The folder holding Aspire.sln, found by walking up from the test assembly.</summary>
    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    public static string ConformanceDirectory
    {
        get
        {
            string? configured = Environment.GetEnvironmentVariable(ConformanceVariable);
            return !string.IsNullOrEmpty(configured)
                ? Path.GetFullPath(configured)
                : Path.GetFullPath(Path.Combine(RepositoryRoot, "..", "shared", "testdata", "onnx-backend"));
        }
    }

    public static string TabularModelsDirectory { get; } =
        Path.GetFullPath(Path.Combine(RepositoryRoot, "..", "shared", "testdata", "tabular-models"));

    private static string FindRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Aspire.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No Aspire.sln above {AppContext.BaseDirectory}.");
    }
}
