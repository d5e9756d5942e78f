using Monitoring.Testing;

namespace Monitoring.IntegrationTests.Infrastructure;

/// <summary>The external test data in ../shared/testdata; tests that need it skip, saying so, where it is absent.</summary>
internal static class SharedTestData
{
    public static string TabularModel(string name)
    {
        var root = RepositoryPaths.SharedTestData;
        if (root is null)
        {
            Assert.Skip("../shared/testdata is absent: the real exported models are not available here.");
        }

        var path = Path.Combine(root, "tabular-models", name + ".onnx");
        Assert.True(File.Exists(path), $"{path} is missing from the shared test data.");
        return path;
    }
}
