using System.Globalization;
using System.Text.Json;
using Monitoring.DemoData;
using Monitoring.IntegrationTests.Infrastructure;
using Monitoring.Testing;
using Npgsql;

namespace Monitoring.IntegrationTests.Training;

/// <summary>
/// The worker's instruments of the metric catalog, from the real process after it trained two models and then stepped
/// the logistic-regression one through matched feedback online.
/// </summary>
public sealed class TrainingMetricsTests(PostgresFixture postgres)
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Metrics_show_the_training_instruments_of_the_catalog_after_bootstrap_runs_and_online_updates()
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
            ["Training__Online__UpdatesPerCandidate"] = "100",
            ["Training__Online__PollInterval"] = "00:00:00.200",
            ["Training__Online__SettleDelay"] = "00:00:00",
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

        // Labelled traffic for the logistic-regression model: its online copy steps through the train part of it.
        await LogLabelledTrafficAsync(database, "credit", 400);
        var online = await Eventually.GetAsync(
            async () =>
            {
                var exposition = await worker.Client.GetStringAsync("/metrics", Cancellation);
                return Value(exposition, "ml_online_updates_total", "credit") >= 100 ? exposition : null;
            },
            TimeSpan.FromSeconds(120),
            "the credit model's online copy to take 100 steps",
            Cancellation);

        Assert.NotNull(Value(online, "ml_online_buffer_size", "credit"));
        Assert.InRange(Value(online, "ml_online_buffer_size", "credit")!.Value, 0, 400);
        // Only logistic and softmax regressions are updated online.
        Assert.Null(Value(online, "ml_online_updates_total", "prices"));
        Assert.Null(Value(online, "ml_online_buffer_size", "prices"));
    }

    /// <summary>The value of <paramref name="metric"/>'s sample for <paramref name="model"/>, or null when there is none.</summary>
    private static double? Value(string exposition, string metric, string model)
    {
        var line = exposition.Split('\n').FirstOrDefault(l => l.StartsWith(metric + "{", StringComparison.Ordinal) && l.Contains($"model=\"{model}\"", StringComparison.Ordinal));
        return line is null ? null : double.Parse(line[(line.LastIndexOf('}') + 2)..].Split(' ')[0], CultureInfo.InvariantCulture);
    }

    private static async Task LogLabelledTrafficAsync(string connectionString, string model, int rows)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(Cancellation);
        await using var batch = new NpgsqlBatch(connection);
        foreach (var row in DemoDatasets.Stream(SyntheticDataset.CreditRisk, seed: 3).Take(rows))
        {
            var id = Guid.CreateVersion7();
            batch.BatchCommands.Add(new NpgsqlBatchCommand(
                "INSERT INTO prediction_logs (id, model_name, model_version, created_at, features, label, latency_ms, drifted) VALUES ($1, $2, 1, now(), $3::json, 'good', 1, false)")
            {
                Parameters = { new() { Value = id }, new() { Value = model }, new() { Value = JsonSerializer.Serialize(row.ToDictionary()) } },
            });
            batch.BatchCommands.Add(new NpgsqlBatchCommand(
                "INSERT INTO feedback (prediction_id, model_name, model_version, actual_label, received_at) VALUES ($1, $2, 1, $3, clock_timestamp())")
            {
                Parameters = { new() { Value = id }, new() { Value = model }, new() { Value = row.Label! } },
            });
        }

        await batch.ExecuteNonQueryAsync(Cancellation);
    }
}
