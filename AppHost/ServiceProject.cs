namespace AppHost;

/// <summary>A service the AppHost runs from its build output, as Aspire's AddProject would.</summary>
internal sealed record ServiceProject(string Name, string ProjectName, int Port, string AssemblyPath, string ProjectDirectory)
{
    public Uri Url => new($"http://localhost:{Port}");

    public static ServiceProject Create(string name, string projectName, ServiceOptions options, string root, string configuration) => new(
        name,
        projectName,
        options.Port,
        options.AssemblyPath is { } path ? Path.GetFullPath(path) : RepositoryLayout.ProjectAssemblyPath(root, projectName, configuration),
        Path.Combine(root, projectName));
}
