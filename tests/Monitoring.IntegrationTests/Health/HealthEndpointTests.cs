using System.Net;
using System.Runtime.CompilerServices;
using System.Text.Json;
using AppHost.Resources;
using Monitoring.IntegrationTests.Infrastructure;

namespace Monitoring.IntegrationTests.Health;

/// <summary>
/// Readiness follows the database, liveness does not. This class stops PostgreSQL, so it runs its own
/// throw-away cluster rather than the shared one.
/// </summary>
public sealed class HealthEndpointTests : IAsyncLifetime
{
    private readonly PostgresServer _postgres = new();

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => await _postgres.StartAsync(Cancellation);

    public ValueTask DisposeAsync() => _postgres.DisposeAsync();

    [Fact]
    public async Task Health_reports_the_database_unhealthy_while_PostgreSQL_is_stopped_and_alive_stays_200()
    {
        await using var predictor = new PredictorFactory(_postgres.ConnectionString);
        using var client = predictor.StartAndCreateClient();

        // Ready once the predictor has applied the schema to this fresh cluster.
        var healthy = (await Eventually.GetAsync(
            async () =>
            {
                var report = await GetReportAsync(client, "/health");
                return report.Status == HttpStatusCode.OK ? new StrongBox<(HttpStatusCode Status, JsonElement Body)>(report) : null;
            },
            TimeSpan.FromSeconds(60),
            "/health to be ready",
            Cancellation)).Value;
        // Degraded, not Healthy: no model has been promoted in this fresh database.
        Assert.Equal("Degraded", healthy.Body.GetProperty("status").GetString());
        Assert.Equal("Degraded", Check(healthy.Body, "models").GetProperty("status").GetString());
        var database = Check(healthy.Body, "postgres");
        Assert.Equal("Healthy", database.GetProperty("status").GetString());
        Assert.True(database.GetProperty("durationMs").GetDouble() >= 0);

        await _postgres.StopAsync(Cancellation);

        var unhealthy = await GetReportAsync(client, "/health");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, unhealthy.Status);
        Assert.Equal("Unhealthy", unhealthy.Body.GetProperty("status").GetString());
        var failedCheck = Check(unhealthy.Body, "postgres");
        Assert.Equal("Unhealthy", failedCheck.GetProperty("status").GetString());
        Assert.StartsWith("PostgreSQL is unreachable", failedCheck.GetProperty("description").GetString());
        Assert.Equal("Healthy", Check(unhealthy.Body, "self").GetProperty("status").GetString());

        var alive = await GetReportAsync(client, "/alive");
        Assert.Equal(HttpStatusCode.OK, alive.Status);
        Assert.Equal("Healthy", alive.Body.GetProperty("status").GetString());
        Assert.Equal(["self"], alive.Body.GetProperty("checks").EnumerateArray().Select(c => c.GetProperty("name").GetString()));

        await _postgres.StartAsync(Cancellation);

        var recovered = await Eventually.GetAsync(
            async () =>
            {
                var report = await GetReportAsync(client, "/health");
                return report.Status == HttpStatusCode.OK ? new StrongBox<JsonElement>(report.Body) : null;
            },
            TimeSpan.FromSeconds(30),
            "/health to recover after PostgreSQL restarted",
            Cancellation);
        Assert.Equal("Healthy", Check(recovered.Value, "postgres").GetProperty("status").GetString());
    }

    [Fact]
    public async Task Health_reports_reveal_no_connection_details()
    {
        await using var predictor = new PredictorFactory(_postgres.ConnectionString);
        using var client = predictor.StartAndCreateClient();
        await _postgres.StopAsync(Cancellation);

        using var response = await client.GetAsync("/health", Cancellation);
        var body = await response.Content.ReadAsStringAsync(Cancellation);

        Assert.Contains("postgres", body);
        Assert.DoesNotContain(_postgres.Password, body);
        Assert.DoesNotContain(_postgres.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), body);
        Assert.DoesNotContain("127.0.0.1", body);
    }

    private static async Task<(HttpStatusCode Status, JsonElement Body)> GetReportAsync(HttpClient client, string path)
    {
        using var response = await client.GetAsync(path, Cancellation);
        Assert.Equal("application/json; charset=utf-8", response.Content.Headers.ContentType?.ToString());
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Cancellation)).RootElement.Clone();
        return (response.StatusCode, body);
    }

    private static JsonElement Check(JsonElement report, string name) =>
        report.GetProperty("checks").EnumerateArray().Single(check => check.GetProperty("name").GetString() == name);

    [Fact]
    public async Task Each_readiness_check_is_exported_as_a_component_health_gauge_that_follows_the_database()
    {
        // Its own process: in-process hosts share meters (see DriftCheckTests).
        await using var predictor = ServiceProcess.Start("Predictor.Api", new Dictionary<string, string?>
        {
            ["ConnectionStrings__modeldb"] = _postgres.ConnectionString,
        });
        await predictor.WaitUntilAliveAsync(Cancellation);

        // Postgres healthy; models degraded once the (empty) set of champions is loaded: no model is promoted here.
        await Eventually.GetAsync(
            async () =>
            {
                var metrics = await predictor.Client.GetStringAsync("/metrics", Cancellation);
                return ComponentHealth(metrics, "postgres") == 1 && ComponentHealth(metrics, "models") == 0.5 ? predictor : null;
            },
            TimeSpan.FromSeconds(60),
            "ml_component_healthy to be 1 for postgres and 0.5 for models",
            Cancellation);

        await _postgres.StopAsync(Cancellation);
        await Eventually.GetAsync(
            async () => ComponentHealth(await predictor.Client.GetStringAsync("/metrics", Cancellation), "postgres") == 0 ? predictor : null,
            TimeSpan.FromSeconds(60),
            "ml_component_healthy{component=\"postgres\"} to drop to 0",
            Cancellation);
    }

    private static double? ComponentHealth(string exposition, string component)
    {
        var line = exposition.Split('\n').FirstOrDefault(l => l.StartsWith("ml_component_healthy{", StringComparison.Ordinal) && l.Contains($"component=\"{component}\"", StringComparison.Ordinal));
        return line is null ? null : double.Parse(line[(line.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture);
    }
}
