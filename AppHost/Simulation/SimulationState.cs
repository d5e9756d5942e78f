using AppHost.Resources;

namespace AppHost.Simulation;

/// <summary>The simulation's own state folder, emptied before a run, and the simulator's run alongside the resources.</summary>
internal static class SimulationState
{
    /// <summary>Empties <c>.local/simulation</c> before a simulation so its story starts from no model at all.</summary>
    public static void Prepare(AppHostSettings settings, ResourceConsole console)
    {
        if (!settings.Simulation.Enabled)
        {
            return;
        }

        if (!settings.StateRootIsDisposable)
        {
            console.Info($"simulate: keeping the state in {settings.StateRoot} as given (--StateDirectory); the story is clearest on an empty one.");
            return;
        }

        if (Directory.Exists(settings.StateRoot))
        {
            if (PostgresStillRunning(Path.Combine(settings.StateRoot, "postgres")) is { } pid)
            {
                throw new ResourceStartException("simulator", $"a PostgreSQL (pid {pid}) still runs on {settings.StateRoot}; stop the other simulation first", []);
            }

            Directory.Delete(settings.StateRoot, recursive: true);
        }

        console.Info($"simulate: starting from an empty state in {Path.GetRelativePath(settings.RepositoryRoot, settings.StateRoot)} (the normal .local state is not touched).");
    }

    /// <summary>Runs the simulator until <paramref name="stopping"/>; a failure is reported, never fatal to the resources.</summary>
    public static Task Run(AppHostSettings settings, ResourceConsole console, CancellationToken stopping)
    {
        Uri Url(string name) => settings.Services.Single(s => s.Name == name).Url;
        var simulator = new TrafficSimulator(settings.Simulation, Url("predictor"), Url("drift"), Url("training"), console, TimeProvider.System);
        return Task.Run(async () =>
        {
            try
            {
                await simulator.RunAsync(stopping);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
            }
            catch (Exception ex)
            {
                console.Error($"The simulator stopped: {ex.Message}");
            }
        }, CancellationToken.None);
    }

    private static int? PostgresStillRunning(string dataDirectory)
    {
        var pidFile = Path.Combine(dataDirectory, "postmaster.pid");
        if (!File.Exists(pidFile) || !int.TryParse(File.ReadLines(pidFile).FirstOrDefault(), out var pid))
        {
            return null;
        }

        return Directory.Exists($"/proc/{pid}") ? pid : null;
    }
}
