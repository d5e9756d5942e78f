using System.Diagnostics;
using AppHost.Resources;

namespace Monitoring.IntegrationTests.Infrastructure;

/// <summary>Prometheus's own linter for exposition text: <c>promtool check metrics</c>.</summary>
internal static class Promtool
{
    /// <summary>Returns promtool's exit code and everything it said.</summary>
    public static async Task<(int ExitCode, string Output)> CheckMetricsAsync(string exposition, CancellationToken cancellationToken)
    {
        var promtool = Executables.FindOnPath("promtool")
            ?? throw new InvalidOperationException("promtool was not found: install the Debian package 'prometheus' (apt-get install -y prometheus).");
        using var process = Process.Start(new ProcessStartInfo(promtool, ["check", "metrics"])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.StandardInput.WriteAsync(exposition.AsMemory(), cancellationToken);
        process.StandardInput.Close();
        await process.WaitForExitAsync(cancellationToken);
        return (process.ExitCode, (await stdout + await stderr).Trim());
    }
}
