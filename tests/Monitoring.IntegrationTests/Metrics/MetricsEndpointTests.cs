using System.Diagnostics.Metrics;
using System.Net.Http.Headers;
using Microsoft.Extensions.DependencyInjection;
using Monitoring.IntegrationTests.Infrastructure;
using Monitoring.Testing;

namespace Monitoring.IntegrationTests.Metrics;

public class MetricsEndpointTests(PostgresFixture postgres)
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Metrics_answer_OpenMetrics_when_the_scraper_asks_for_it()
    {
        await using var predictor = new PredictorFactory(postgres.ConnectionString);
        using var client = predictor.StartAndCreateClient();
        await SendTrafficAsync(client);

        using var request = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        request.Headers.Accept.Add(MediaTypeWithQualityHeaderValue.Parse("application/openmetrics-text;version=1.0.0"));
        request.Headers.Accept.Add(MediaTypeWithQualityHeaderValue.Parse("text/plain;version=0.0.4;q=0.5"));
        using var response = await client.SendAsync(request, Cancellation);
        var body = await response.Content.ReadAsStringAsync(Cancellation);

        Assert.Equal("application/openmetrics-text; version=1.0.0; charset=utf-8", response.Content.Headers.ContentType?.ToString());
        Assert.EndsWith("# EOF\n", body);
        Assert.Contains("# TYPE target info\n", body);
        Assert.Contains("# UNIT http_server_request_duration_seconds seconds\n", body);
    }

    [Fact]
    public async Task Plain_requests_get_the_Prometheus_text_format()
    {
        await using var predictor = new PredictorFactory(postgres.ConnectionString);
        using var client = predictor.StartAndCreateClient();

        using var response = await client.GetAsync("/metrics", Cancellation);

        Assert.Equal("text/plain; version=0.0.4; charset=utf-8", response.Content.Headers.ContentType?.ToString());
        Assert.DoesNotContain("# EOF", await response.Content.ReadAsStringAsync(Cancellation));
    }

    [Fact]
    public async Task A_meter_named_with_the_product_prefix_is_exported_without_wiring_and_others_are_not()
    {
        await using var predictor = new PredictorFactory(postgres.ConnectionString);
        using var client = predictor.StartAndCreateClient();
        var meters = predictor.Services.GetRequiredService<IMeterFactory>();
        meters.Create("MlMonitoring.IntegrationTest").CreateCounter<long>("ml.test.events", description: "Events of the test.").Add(2);
        meters.Create("Elsewhere.IntegrationTest").CreateCounter<long>("elsewhere.events", description: "Not ours.").Add(2);

        var exposition = await client.GetStringAsync("/metrics", Cancellation);

        Assert.Contains("ml_test_events_total{otel_scope_name=\"MlMonitoring.IntegrationTest\"} 2\n", exposition);
        Assert.DoesNotContain("elsewhere_events", exposition);
    }

    private static async Task SendTrafficAsync(HttpClient client)
    {
        foreach (var path in new[] { "/health", "/health", "/alive", "/info", "/no-such-route" })
        {
            using var _ = await client.GetAsync(path, Cancellation);
        }
    }
}
