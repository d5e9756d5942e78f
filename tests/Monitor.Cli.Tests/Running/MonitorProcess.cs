using System.Diagnostics;
using System.Globalization;
using AppHost;
using Monitoring.Testing;

namespace Monitor.Cli.Tests.Running;

/// <summary>What one run of the built <c>monitor</c> printed and how it exited.</summary>
internal sealed record MonitorRun(int ExitCode, string Output, string Error)
{
    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Output}\n--- stderr\n{Error}";
}

/// <summary>Runs the built <c>monitor.dll</c> as a script would: its own process, output redirected (so plain text).</summary>
internal static class MonitorProcess
{
    public static string AssemblyPath => Path.Combine(RepositoryPaths.Root, "artifacts", "bin", "Monitor.Cli", RepositoryLayout.BuildConfiguration.ToLowerInvariant(), "monitor.dll");

    public static async Task<MonitorRun> RunAsync(IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        using var process = Start(arguments);
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        await WaitForExitAsync(process, cancellationToken);
        return new MonitorRun(process.ExitCode, await output, await error);
    }

    /// <summary>Starts the monitor with stdout and stderr redirected; the caller reads both.</summary>
    public static Process Start(IReadOnlyList<string> arguments)
    {
        if (!File.Exists(AssemblyPath))
        {
            throw new FileNotFoundException($"{AssemblyPath} is missing: build the solution first (dotnet build Aspire.sln -c {RepositoryLayout.BuildConfiguration}).");
        }

        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(AssemblyPath);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // Only the URLs given on the command line count, whatever the test run's own environment holds.
        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("services__", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(name);
        }

        start.Environment["COLUMNS"] = "250";
        return Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start.");
    }

    /// <summary>Ctrl+C as a terminal sends it: SIGINT to the process.</summary>
    public static async Task InterruptAsync(Process process, CancellationToken cancellationToken)
    {
        using var kill = Process.Start("kill", ["-INT", process.Id.ToString(CultureInfo.InvariantCulture)]);
        await kill.WaitForExitAsync(cancellationToken);
    }

    /// <summary>Waits for the exit; a monitor that never exits is killed and fails the test instead of hanging it.</summary>
    public static async Task WaitForExitAsync(Process process, CancellationToken cancellationToken)
    {
        using var guard = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        // A guard against a hung monitor, not a measurement: every source has its own --timeout.
        guard.CancelAfter(TimeSpan.FromSeconds(120));
        try
        {
            await process.WaitForExitAsync(guard.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("The monitor did not exit.");
        }
    }
}
