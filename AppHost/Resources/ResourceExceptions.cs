namespace AppHost.Resources;

/// <summary>A program a resource needs is not installed; the message names the Debian package to install.</summary>
public sealed class ResourceNotInstalledException(string resourceName, string executable, string debianPackage, string? searchedLocations = null)
    : Exception($"{resourceName}: '{executable}' not found{(searchedLocations is null ? "" : $" (looked in {searchedLocations})")}. Install it with: apt-get install -y {debianPackage}")
{
    public string ResourceName { get; } = resourceName;

    public string Executable { get; } = executable;

    public string DebianPackage { get; } = debianPackage;
}

/// <summary>A resource did not start or did not become ready; the message ends with its last output lines.</summary>
public sealed class ResourceStartException : Exception
{
    public ResourceStartException(string resourceName, string reason, IReadOnlyList<string> recentOutput, Exception? innerException = null)
        : base(FormatMessage(resourceName, reason, recentOutput), innerException)
    {
        ResourceName = resourceName;
        RecentOutput = recentOutput;
    }

    public string ResourceName { get; }

    public IReadOnlyList<string> RecentOutput { get; }

    private static string FormatMessage(string resourceName, string reason, IReadOnlyList<string> recentOutput) =>
        recentOutput.Count == 0
            ? $"{resourceName}: {reason}"
            : $"{resourceName}: {reason}{Environment.NewLine}Last output:{Environment.NewLine}  {string.Join($"{Environment.NewLine}  ", recentOutput)}";
}
