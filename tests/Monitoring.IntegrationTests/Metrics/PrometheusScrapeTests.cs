using AppHost.Resources;
using Monitoring.IntegrationTests.Infrastructure;
using Monitoring.Testing;

namespace Monitoring.IntegrationTests.Metrics;

/// <summary>
/// A real Prometheus scraping a running service. The service runs as its own process: OpenTelemetry's meter listener
/// is process-wide, so in-process hosts of parallel tests would export each other's series.
/// </summary>
public class PrometheusScrapeTests(PostgresFixture postgres)
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Prometheus_scrapes_the_service_without_errors_and_computes_the_request_latency_p95()
    {
        await using var predictor = ServiceProcess.Start("Predictor.Api", new Dictionary<string, string?>
        {
            ["ConnectionStrings__modeldb"] = postgres.ConnectionString,
        });
        await predictor.WaitUntilAliveAsync(Cancellation);
        var client = predictor.Client;
        await using var prometheus = new PrometheusServer(new PrometheusServerOptions
        {
            ScrapeInterval = TimeSpan.FromSeconds(1),
            EvaluationInterval = TimeSpan.FromSeconds(1),
            ScrapeJobs = [new PrometheusScrapeJob("predictor", [$"127.0.0.1:{predictor.Port}"])],
        });
        await prometheus.StartAsync(Cancellation);

        using var traffic = CancellationTokenSource.CreateLinkedTokenSource(Cancellation);
        var sending = SendTrafficUntilCancelledAsync(client, traffic.Token);
        try
        {
            var targets = await prometheus.WaitForTargetsUpAsync(["predictor"], TimeSpan.FromSeconds(60), Cancellation);
            var target = Assert.Single(targets);
            Assert.True(target.IsUp, target.ToString());
            Assert.Equal(string.Empty, target.LastError);

            const string p95 = "histogram_quantile(0.95, sum by (le) (rate(http_server_request_duration_seconds_bucket[1m])))";
            var result = await Eventually.GetAsync(
                async () =>
                {
                    var answer = await prometheus.QueryAsync(p95, Cancellation);
                    return answer.Samples.Count == 1 && double.IsFinite(answer.Samples[0].Value) ? answer : null;
                },
                TimeSpan.FromSeconds(60),
                "a finite p95 from Prometheus",
                Cancellation);

            Assert.Equal("vector", result.ResultType);
            Assert.InRange(result.Samples[0].Value, 0, 10);

            var up = await prometheus.QueryAsync("up{job=\"predictor\"}", Cancellation);
            Assert.Equal(1, up.SingleValue);
            var targetInfo = await prometheus.QueryAsync("target_info{job=\"predictor\"}", Cancellation);
            Assert.Equal("Predictor.Api", Assert.Single(targetInfo.Samples).Labels["service_name"]);

            // Prometheus negotiated OpenMetrics and still found nothing to complain about.
            var refreshed = Assert.Single(await prometheus.GetActiveTargetsAsync(Cancellation));
            Assert.Equal(string.Empty, refreshed.LastError);
        }
        finally
        {
            await traffic.CancelAsync();
            await sending;
        }
    }

    private static async Task SendTrafficUntilCancelledAsync(HttpClient client, CancellationToken cancellationToken)
    {
        string[] paths = ["/alive", "/info", "/health", "/no-such-route"];
        for (var i = 0; !cancellationToken.IsCancellationRequested; i++)
        {
            try
            {
                using var _ = await client.GetAsync(paths[i % paths.Length], cancellationToken);
                await Task.Delay(20, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
