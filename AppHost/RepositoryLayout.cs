using System.Reflection;

namespace AppHost;

public static class RepositoryLayout
{
    public const string SolutionFileName = "Aspire.sln";

    /// <summary>The configuration this AppHost was built with (Debug, Release); it starts the services' builds of the same.</summary>
    public static string BuildConfiguration { get; } =
        typeof(RepositoryLayout).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(attribute => attribute.Key == "BuildConfiguration")?.Value ?? "Debug";

    /// <summary>The folder holding Aspire.sln, found by walking up from <paramref name="startDirectory"/> (default: the app's folder, then the current one).</summary>
    public static string FindRoot(string? startDirectory = null)
    {
        foreach (var start in startDirectory is null ? [AppContext.BaseDirectory, Environment.CurrentDirectory] : new[] { startDirectory })
        {
            for (var directory = new DirectoryInfo(start); directory is not null; directory = directory.Parent)
            {
                if (File.Exists(Path.Combine(directory.FullName, SolutionFileName)))
                {
                    return directory.FullName;
                }
            }
        }

        throw new DirectoryNotFoundException($"No {SolutionFileName} above {startDirectory ?? AppContext.BaseDirectory}; run the AppHost from inside the repository.");
    }

    /// <summary><c>&lt;root&gt;/artifacts/bin/&lt;project&gt;/&lt;configuration&gt;/&lt;project&gt;.dll</c> (UseArtifactsOutput lower-cases the configuration).</summary>
    public static string ProjectAssemblyPath(string root, string projectName, string configuration) =>
        Path.Combine(root, "artifacts", "bin", projectName, configuration.ToLowerInvariant(), projectName + ".dll");

    /// <summary>Git-ignored runtime state: <c>&lt;root&gt;/.local/&lt;name&gt;</c>.</summary>
    public static string LocalStateDirectory(string root, string name) => Path.Combine(root, ".local", name);
}
