namespace Monitoring.Testing.Tests;

public sealed class RepositoryPathsTests
{
    [Fact]
    public void Root_is_the_folder_with_the_solution() =>
        Assert.True(File.Exists(Path.Combine(RepositoryPaths.Root, "Aspire.sln")));

    [Fact]
    public void SharedTestData_is_null_or_an_existing_folder() =>
        Assert.True(RepositoryPaths.SharedTestData is null || Directory.Exists(RepositoryPaths.SharedTestData));
}
