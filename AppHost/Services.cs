using System.Net;
using System.Runtime.InteropServices;
using AppHost.Resources;

namespace AppHost;

/// <summary>Runs Predictor.Api, Drift.Service and Training.Worker from their build output with the environment Aspire would inject.</summary>
internal static class Services
{
    public static async Task<IReadOnlyList<RunningService>> StartAsync(
        AppHostSettings settings,
        string connectionString,
        StartedResources started,
        ResourceConsole console,
        CancellationToken cancellationToken)
    {
        foreach (var project in settings.Services)
        {
            if (!File.Exists(project.AssemblyPath))
            {
                throw new ResourceStartException(project.Name, $"{project.AssemblyPath} not found; build it with: dotnet build AppHost -c {settings.BuildConfiguration}", []);
            }

            if (!FreePort.IsAvailable(project.Port))
            {
                throw new ResourceStartException(project.Name, $"port {project.Port} is already in use; pick another with --{Capitalize(project.Name)}:Port <port>", []);
            }
        }

        var dotnet = FindDotnetHost();
        var processes = new List<(ServiceProject Project, ManagedProcess Process)>();
        foreach (var project in settings.Services)
        {
            console.Info($"Starting {project.Name} ({project.ProjectName}) on {project.Url}.");
            var process = ManagedProcess.Start(new ManagedProcessOptions
            {
                Name = project.Name,
                FileName = dotnet,
                Arguments = [project.AssemblyPath],
                // Like `dotnet run`: the content root is the project folder (appsettings.Development.json).
                WorkingDirectory = Directory.Exists(project.ProjectDirectory) ? project.ProjectDirectory : Path.GetDirectoryName(project.AssemblyPath),
                Environment = Environment(settings, project, connectionString),
                OutputLine = console.Write,
            });
            started.Add(project.Name, async () =>
            {
                await using (process)
                {
                    await process.StopAsync(TimeSpan.FromSeconds(10));
                }
            });
            ReportUnexpectedExit(project, process, started, console);
            processes.Add((project, process));
        }

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        return await Task.WhenAll(processes.Select(p => WaitUntilAliveAsync(http, p.Project, p.Process, settings.Startup.Timeout, cancellationToken)));
    }

    /// <summary>The variables an Aspire AppHost sets for a project resource with a reference to modeldb and to each service.</summary>
    internal static Dictionary<string, string?> Environment(AppHostSettings settings, ServiceProject project, string connectionString)
    {
        var environment = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["ConnectionStrings__modeldb"] = connectionString,
            ["ASPNETCORE_URLS"] = project.Url.ToString().TrimEnd('/'),
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
            ["DOTNET_ENVIRONMENT"] = "Development",
            ["OTEL_SERVICE_NAME"] = project.Name,
            ["OTEL_RESOURCE_ATTRIBUTES"] = $"service.instance.id={Guid.NewGuid()}",
            // One line per log entry reads better behind the resource prefix.
            ["Logging__Console__FormatterName"] = "simple",
            ["Logging__Console__FormatterOptions__SingleLine"] = "true",
            // Every SQL statement at information level would drown the resources' own lines.
            ["Logging__LogLevel__Microsoft.EntityFrameworkCore.Database.Command"] = "Warning",
            ["Predictor__AdminApiKey"] = settings.AdminApiKey,
            ["Drift__AdminApiKey"] = settings.AdminApiKey,
            ["Training__AdminApiKey"] = settings.AdminApiKey,
            ["PredictionLogging__SpillDirectory"] = settings.StateDirectory("predictor-spill"),
        };
        if (settings.Simulation.Enabled)
        {
            foreach (var (name, value) in settings.Simulation.ServiceEnvironment())
            {
                // A setting given in the AppHost's own environment wins over the simulation's shortcut.
                environment[name] = System.Environment.GetEnvironmentVariable(name) ?? value;
            }
        }

        foreach (var service in settings.Services)
        {
            environment[$"services__{service.Name}__http__0"] = service.Url.ToString().TrimEnd('/');
        }

        return environment;
    }

    private static async Task<RunningService> WaitUntilAliveAsync(HttpClient http, ServiceProject project, ManagedProcess process, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        var healthDeadline = DateTime.UtcNow + TimeSpan.FromTicks(Math.Min(timeout.Ticks, TimeSpan.FromSeconds(45).Ticks));
        var lastProblem = "no answer";
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
            {
                throw new ResourceStartException(project.Name, $"exited with code {process.ExitCode} while starting", process.RecentOutput);
            }

            try
            {
                using var alive = await http.GetAsync(new Uri(project.Url, "/alive"), cancellationToken);
                if (alive.StatusCode == HttpStatusCode.OK)
                {
                    // Ready means healthy: the schema applied (by the predictor) and the database reachable. A service
                    // still unhealthy after a while is listed as it is rather than holding the rest back.
                    using var health = await http.GetAsync(new Uri(project.Url, "/health"), cancellationToken);
                    if (health.StatusCode == HttpStatusCode.OK || DateTime.UtcNow >= healthDeadline)
                    {
                        return new RunningService(project, process, health.StatusCode == HttpStatusCode.OK ? "healthy" : $"unhealthy ({(int)health.StatusCode}; see {new Uri(project.Url, "/health")})");
                    }

                    lastProblem = $"/health answered {(int)health.StatusCode}";
                }

                lastProblem = $"/alive answered {(int)alive.StatusCode}";
            }
            catch (HttpRequestException ex)
            {
                lastProblem = ex.Message;
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                lastProblem = "/alive did not answer within 5 s";
            }

            await Task.Delay(TimeSpan.FromMilliseconds(250), cancellationToken);
        }

        throw new ResourceStartException(project.Name, $"not alive on {project.Url} after {timeout.TotalSeconds:0} s ({lastProblem})", process.RecentOutput);
    }

    private static void ReportUnexpectedExit(ServiceProject project, ManagedProcess process, StartedResources started, ResourceConsole console) =>
        _ = process.WaitForExitAsync().ContinueWith(
            _ =>
            {
                if (!started.IsStopping)
                {
                    console.Error($"{project.Name} exited with code {process.ExitCode}; the other resources keep running.");
                }
            },
            TaskScheduler.Default);

    private static string FindDotnetHost()
    {
        if (System.Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { } hostPath && File.Exists(hostPath))
        {
            return hostPath;
        }

        if (Executables.FindOnPath("dotnet") is { } onPath)
        {
            return onPath;
        }

        // <dotnet root>/shared/Microsoft.NETCore.App/<version>/ → <dotnet root>/dotnet
        var fromRuntime = Path.GetFullPath(Path.Combine(RuntimeEnvironment.GetRuntimeDirectory(), "..", "..", "..", "dotnet"));
        return File.Exists(fromRuntime) ? fromRuntime : throw new ResourceNotInstalledException("services", "dotnet", "dotnet-sdk-10.0");
    }

    private static string Capitalize(string name) => char.ToUpperInvariant(name[0]) + name[1..];
}

internal sealed record RunningService(ServiceProject Project, ManagedProcess Process, string HealthStatus);
