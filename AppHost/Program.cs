// `dotnet run --project AppHost` brings the system up on this machine, each part once what it needs is healthy:
// PostgreSQL, Alertmanager, Prometheus, Grafana (where installed), then the three services; with --simulate a
// traffic simulator follows. Ctrl+C (or SIGTERM) stops everything in reverse order.
// Options: --simulate, --Predictor:Port 5101, --Postgres:Port 5432, --Prometheus:Enabled false, --StateDirectory …
// (or Predictor__Port=5101 in the environment).
using AppHost;
using AppHost.Resources;
using AppHost.Simulation;
using Microsoft.Extensions.Options;

var console = new ResourceConsole();
AppHostSettings settings;
try
{
    settings = AppHostSettings.Load(args);
}
catch (OptionsValidationException ex)
{
    console.Error($"Invalid options ({ex.OptionsName}): {string.Join(" ", ex.Failures)}");
    return 2;
}
catch (Exception ex) when (ex is FormatException or InvalidOperationException or DirectoryNotFoundException)
{
    console.Error($"Invalid options: {ex.Message}");
    return 2;
}

using var shutdown = new ShutdownSignal(console);
await using var started = new StartedResources(console);
try
{
    SimulationState.Prepare(settings, console);
    var database = await Database.StartAsync(settings, started, console, shutdown.Token);
    var alertmanager = await MonitoringStack.StartAlertmanagerAsync(settings, started, console, shutdown.Token);
    var prometheus = await MonitoringStack.StartPrometheusAsync(settings, alertmanager, started, console, shutdown.Token);
    var grafana = await MonitoringStack.StartGrafanaAsync(settings, prometheus, alertmanager, started, console, shutdown.Token);
    var services = await Services.StartAsync(settings, database.ConnectionString, started, console, shutdown.Token);
    UrlTable.Print(console, UrlTable.Rows(database, services, alertmanager, prometheus, grafana, MonitoringStack.GrafanaSkipReason(settings, prometheus)), settings.AdminApiKey, settings.Simulation.Enabled);

    var simulation = settings.Simulation.Enabled
        ? SimulationState.Run(settings, console, shutdown.Token)
        : Task.CompletedTask;
    await shutdown.WaitAsync();
    await simulation;
    return 0;
}
catch (OperationCanceledException) when (shutdown.IsRequested)
{
    return 0;
}
catch (Exception ex) when (ex is ResourceStartException or ResourceNotInstalledException)
{
    console.Error($"Start failed: {ex.Message}");
    return 1;
}
catch (Exception ex)
{
    console.Error($"Start failed: {ex}");
    return 1;
}
