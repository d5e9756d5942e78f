using Monitoring.Data.Predictions;
using Monitoring.IntegrationTests.Infrastructure;
using Monitoring.Testing;
using Npgsql;

namespace Monitoring.IntegrationTests.Data;

public class AnalysisViewTests(PostgresFixture postgres)
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_views_summarise_the_last_day_list_low_confidence_rows_and_trend_by_hour()
    {
        var connectionString = await postgres.CreateDatabaseAsync("analysis_views", Cancellation);
        await ModelDatabase.MigrateAsync(connectionString, Cancellation);
        var now = DateTimeOffset.UtcNow;
        await using (var database = ModelDatabase.Open(connectionString))
        {
            database.PredictionLogs.AddRange(
                Log(now.AddMinutes(-5), 0.9, drifted: false, latency: 2),
                Log(now.AddMinutes(-4), 0.5, drifted: true, latency: 4),
                Log(now.AddMinutes(-3), 0.55, drifted: false, latency: 6),
                Log(now.AddDays(-2), 0.1, drifted: true, latency: 8));
            await database.SaveChangesAsync(Cancellation);
        }

        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(Cancellation);

        await using (var summary = new NpgsqlCommand("SELECT predictions, round(mean_confidence::numeric, 3), low_confidence, drifted, mean_latency_ms FROM prediction_summary_24h WHERE model_name = 'credit'", connection))
        await using (var row = await summary.ExecuteReaderAsync(Cancellation))
        {
            Assert.True(await row.ReadAsync(Cancellation));
            Assert.Equal(3, row.GetInt64(0));
            Assert.Equal(0.65m, row.GetDecimal(1));
            Assert.Equal(2, row.GetInt64(2));
            Assert.Equal(1, row.GetInt64(3));
            Assert.Equal(4.0, row.GetDouble(4));
        }

        await using (var low = new NpgsqlCommand("SELECT count(*) FROM low_confidence_predictions", connection))
        {
            Assert.Equal(3L, await low.ExecuteScalarAsync(Cancellation));
        }

        await using var trends = new NpgsqlCommand("SELECT sum(predictions) FROM prediction_hourly_trends WHERE model_name = 'credit'", connection);
        Assert.Equal(4m, await trends.ExecuteScalarAsync(Cancellation));
    }

    private static PredictionLog Log(DateTimeOffset at, double confidence, bool drifted, double latency) => new()
    {
        Id = Guid.CreateVersion7(at),
        ModelName = "credit",
        ModelVersion = 1,
        CreatedAt = at,
        Features = """{"income": 1}""",
        Label = "1",
        Probabilities = """{"0": 0.5, "1": 0.5}""",
        Confidence = confidence,
        LatencyMs = latency,
        Drifted = drifted,
    };
}
