using Monitoring.IntegrationTests.Infrastructure;
using Monitoring.Testing;

namespace Monitoring.IntegrationTests.Training;

/// <summary>The worker's instruments of the metric catalog, from the real process after it trained two models.</summary>
public sealed class TrainingMetricsTests(PostgresFixture postgres)
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Metrics_show_the_training_instruments_of_the_catalog_after_bootstrap_runs()
    {
        var database = await postgres.CreateMigratedDatabaseAsync("trainmetrics");
        await using var worker = ServiceProcess.Start("Training.Worker", new Dictionary<string, string?>
        {
            ["ConnectionStrings__modeldb"] = database,
            ["Training__PollInterval"] = "00:00:00.200",
            ["Training__Bootstrap__0__Name"] = "credit",
            ["Training__Bootstrap__0__Dataset"] = "credit-risk",
            ["Training__Bootstrap__0__Rows"] = "1500",
            ["Training__Bootstrap__0__Algorithm"] = "logistic_regression",
            ["Training__Bootstrap__1__Name"] = "prices",
            ["Training__Bootstrap__1__Dataset"] = "house-prices",
            ["Training__Bootstrap__1__Rows"] = "1500",
            ["Training__Bootstrap__1__Algorithm"] = "linear_regression",
        });
        await worker.WaitUntilAliveAsync(Cancellation);

        var metrics = await Eventually.GetAsync(
            async () =>
            {
                var exposition = await worker.Client.GetStringAsync("/metrics", Cancellation);
                return exposition.Split('\n').Count(l => l.StartsWith("ml_model_promotions_total{", StringComparison.Ordinal)) == 2 ? exposition : null;
            },
            TimeSpan.FromSeconds(120),
            "both bootstrap models to be trained and promoted",
            Cancellation);

        string[] catalog =
        [
            "ml_training_runs_total", "ml_training_duration_seconds_bucket", "ml_training_last_success_timestamp_seconds", "ml_training_loss",
            "ml_training_mae", "ml_training_samples", "ml_training_jobs", "ml_model_promotions_total",
        ];
        Assert.All(catalog, name => Assert.Contains("\n" + name + "{", metrics));
        Assert.Contains("trigger=\"bootstrap\"", metrics);
        Assert.Contains("result=\"promoted\"", metrics);
    }
}
