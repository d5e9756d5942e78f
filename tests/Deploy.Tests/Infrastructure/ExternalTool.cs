using System.Diagnostics;
using AppHost.Resources;

namespace Deploy.Tests.Infrastructure;

public sealed record ToolResult(int ExitCode, string StandardOutput, string StandardError)
{
    public string Output => (StandardOutput + StandardError).Trim();
}

/// <summary>The command-line tools the checks shell out to: promtool, amtool, kubectl, python3.</summary>
public static class ExternalTool
{
    /// <summary>The tool's full path; skips the calling test, naming the Debian package, when it is not installed.</summary>
    public static string Require(string name, string debianPackage)
    {
        var path = Executables.FindOnPath(name) ?? Executables.FindOnPath(Path.Combine("/usr/bin", name));
        Assert.SkipWhen(path is null, $"{name} is not installed (apt-get install -y {debianPackage}); this check needs it.");
        return path!;
    }

    public static async Task<ToolResult> RunAsync(
        string fileName,
        IEnumerable<string> arguments,
        string? standardInput = null,
        string? workingDirectory = null,
        CancellationToken cancellationToken = default)
    {
        var start = new ProcessStartInfo(fileName)
        {
            RedirectStandardInput = standardInput is not null,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = workingDirectory ?? "",
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{fileName} did not start.");
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        if (standardInput is not null)
        {
            await process.StandardInput.WriteAsync(standardInput.AsMemory(), cancellationToken);
            process.StandardInput.Close();
        }

        await process.WaitForExitAsync(cancellationToken);
        return new ToolResult(process.ExitCode, await stdout, await stderr);
    }
}
