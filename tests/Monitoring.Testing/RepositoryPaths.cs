using AppHost;

namespace Monitoring.Testing;

public static class RepositoryPaths
{
    private static readonly Lazy<string> LazyRoot = new(() => RepositoryLayout.FindRoot(AppContext.BaseDirectory));

    /// <summary>The folder holding Aspire.sln, found by walking up from the test assembly's folder.</summary>
    public static string Root => LazyRoot.Value;

    /// <summary><c>&lt;repo&gt;/../shared/testdata</c>, or null when it is not there (a plain clone).</summary>
    public static string? SharedTestData
    {
        get
        {
            var path = Path.GetFullPath(Path.Combine(Root, "..", "shared", "testdata"));
            return Directory.Exists(path) ? path : null;
        }
    }

    /// <summary>A path under the repository root.</summary>
    public static string InRepository(params string[] parts) => Path.Combine([Root, .. parts]);
}
