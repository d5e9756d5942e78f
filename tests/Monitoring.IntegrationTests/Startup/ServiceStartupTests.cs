using System.Text.Json;
using Monitoring.IntegrationTests.Infrastructure;
using Monitoring.Testing;

namespace Monitoring.IntegrationTests.Startup;

/// <summary>
/// Each service as a real process from its build output, configured only through environment variables, as an
/// AppHost, Docker Compose or Kubernetes would run it.
/// </summary>
public class ServiceStartupTests(PostgresFixture postgres)
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    public static TheoryData<string> Services => ["Predictor.Api", "Drift.Service", "Training.Worker"];

    [Theory]
    [MemberData(nameof(Services))]
    public async Task A_service_without_a_connection_string_refuses_to_start_and_names_the_setting(string project)
    {
        await using var service = ServiceProcess.Start(project, new Dictionary<string, string?>
        {
            // Empty rather than unset, so a connection string in the test run's own environment cannot leak in.
            ["ConnectionStrings__modeldb"] = string.Empty,
        });

        var exitCode = await service.WaitForExitAsync(TimeSpan.FromSeconds(60), Cancellation);

        Assert.NotEqual(0, exitCode);
        var output = string.Join('\n', service.RecentOutput);
        Assert.Contains("ConnectionStrings__modeldb", output);
        Assert.Contains("'modeldb' is missing", output);
    }

    [Theory]
    [MemberData(nameof(Services))]
    public async Task A_service_starts_ready_with_its_defaults_and_its_metrics_after_traffic_pass_promtool(string project)
    {
        var serviceName = project.Split('.')[0].ToLowerInvariant();
        // Predictor.Api owns the schema; the others are ready only once it is in place.
        await ModelDatabase.MigrateAsync(postgres.ConnectionString, Cancellation);
        await using var service = ServiceProcess.Start(project, new Dictionary<string, string?>
        {
            ["ConnectionStrings__modeldb"] = postgres.ConnectionString,
            ["OTEL_SERVICE_NAME"] = serviceName,
            ["OTEL_RESOURCE_ATTRIBUTES"] = "service.instance.id=test-instance,deployment.environment.name=ci",
        });
        await service.WaitUntilAliveAsync(Cancellation);

        var report = await Eventually.GetAsync(
            async () =>
            {
                using var health = await service.Client.GetAsync("/health", Cancellation);
                return health.IsSuccessStatusCode ? await health.Content.ReadAsStringAsync(Cancellation) : null;
            },
            TimeSpan.FromSeconds(60),
            $"{project} to be ready",
            Cancellation);
        var checks = JsonDocument.Parse(report).RootElement.GetProperty("checks").EnumerateArray().Select(check => check.GetProperty("name").GetString());
        string[] expected = project == "Predictor.Api" ? ["models", "postgres", "prediction-log", "schema", "self"] : ["postgres", "schema", "self"];
        Assert.Equal(expected, checks.Order());

        var info = JsonDocument.Parse(await service.Client.GetStringAsync("/info", Cancellation)).RootElement;
        Assert.Equal(serviceName, info.GetProperty("service").GetString());

        using (await service.Client.GetAsync("/no-such-route", Cancellation))
        {
        }

        var exposition = await service.Client.GetStringAsync("/metrics", Cancellation);
        Assert.Contains("# TYPE http_server_request_duration_seconds histogram", exposition);
        Assert.Contains("http_route=\"/health\"", exposition);
        Assert.Contains("http_response_status_code=\"404\"", exposition);
        Assert.Contains("db_client_operation_duration_seconds_bucket", exposition);
        Assert.Contains("dotnet_gc_heap_total_allocated_bytes_total", exposition);
        Assert.Contains("kestrel_active_connections", exposition);
        Assert.Contains($"service_name=\"{serviceName}\"", exposition);
        Assert.Contains("service_instance_id=\"test-instance\"", exposition);
        Assert.Contains("deployment_environment_name=\"ci\"", exposition);
        var (exitCode, complaints) = await Promtool.CheckMetricsAsync(exposition, Cancellation);
        Assert.True(exitCode == 0 && complaints.Length == 0, $"promtool check metrics said (exit {exitCode}):\n{complaints}");
    }
}
