// `dotnet run --project AppHost` brings the system up on this machine, in dependency order:
// PostgreSQL, the three services, Alertmanager, Prometheus; Ctrl+C (or SIGTERM) stops them in reverse order.
// Options: --Predictor:Port 5101, --Postgres:Port 5432, --Prometheus:Enabled false, … (or Predictor__Port=5101).
using AppHost;
using AppHost.Resources;
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
    var database = await Database.StartAsync(settings, started, console, shutdown.Token);
    var services = await Services.StartAsync(settings, database.ConnectionString, started, console, shutdown.Token);
    var alertmanager = await Monitoring.StartAlertmanagerAsync(settings, services, started, console, shutdown.Token);
    var prometheus = await Monitoring.StartPrometheusAsync(settings, services, alertmanager, started, console, shutdown.Token);
    UrlTable.Print(console, database, services, alertmanager, prometheus, Monitoring.NotStarted(), settings.AdminApiKey);

    await shutdown.WaitAsync();
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
