using System.Text.Json;
using Monitoring.IntegrationTests.Infrastructure;
using Monitoring.Testing;
using Npgsql;

namespace Monitoring.IntegrationTests.Health;

public class InfoEndpointTests(PostgresFixture postgres)
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Info_describes_the_running_service_and_its_settings_without_secrets()
    {
        const string otlpSecret = "x-otlp-api-key=very-secret-value";
        await using var predictor = new PredictorFactory(postgres.ConnectionString, new Dictionary<string, string?>
        {
            ["OTEL_EXPORTER_OTLP_HEADERS"] = otlpSecret,
            ["Predictor:AdminApiKey"] = "admin-key-that-must-not-show",
        });
        using var client = predictor.StartAndCreateClient();

        var body = await client.GetStringAsync("/info", Cancellation);
        var info = JsonDocument.Parse(body).RootElement;

        Assert.Equal("Predictor.Api", info.GetProperty("service").GetString());
        Assert.StartsWith("0.1.0", info.GetProperty("version").GetString());
        Assert.StartsWith(".NET 10", info.GetProperty("runtime").GetString());
        Assert.False(string.IsNullOrEmpty(info.GetProperty("os").GetString()));
        Assert.True(info.GetProperty("uptimeSeconds").GetDouble() >= 0);
        Assert.True(info.GetProperty("startedAt").GetDateTimeOffset() <= DateTimeOffset.UtcNow);
        var database = info.GetProperty("settings").GetProperty("database");
        var expected = new NpgsqlConnectionStringBuilder(postgres.ConnectionString);
        Assert.Equal(expected.Host, database.GetProperty("host").GetString());
        Assert.Equal(expected.Database, database.GetProperty("database").GetString());
        Assert.Equal("/metrics", info.GetProperty("settings").GetProperty("telemetry").GetProperty("prometheusEndpoint").GetString());

        Assert.DoesNotContain(postgres.ConnectionString, body);
        if (!string.IsNullOrEmpty(expected.Password))
        {
            Assert.DoesNotContain(expected.Password, body);
        }

        Assert.DoesNotContain("very-secret-value", body);
        Assert.DoesNotContain("admin-key-that-must-not-show", body);
        Assert.Equal("(set, hidden)", info.GetProperty("settings").GetProperty("predictor").GetProperty("adminApiKey").GetString());
    }

    [Fact]
    public async Task The_OpenAPI_document_describes_the_service_routes()
    {
        await using var predictor = new PredictorFactory(postgres.ConnectionString);
        using var client = predictor.StartAndCreateClient();

        using var response = await client.GetAsync("/openapi/v1.json", Cancellation);
        var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Cancellation)).RootElement;

        Assert.True(response.IsSuccessStatusCode);
        Assert.StartsWith("3.", document.GetProperty("openapi").GetString());
        Assert.True(document.GetProperty("paths").TryGetProperty("/info", out var info));
        Assert.Equal("GetServiceInfo", info.GetProperty("get").GetProperty("operationId").GetString());
        Assert.False(document.GetProperty("paths").TryGetProperty("/metrics", out _));
    }
}
