using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Monitoring.Data.Registry;
using Monitoring.Data.Training;
using Monitoring.IntegrationTests.Infrastructure;
using Monitoring.Testing;
using Npgsql;

namespace Monitoring.IntegrationTests.Data;

public class ModelDatabaseSchemaTests(PostgresFixture postgres)
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public void The_migrations_describe_the_current_model()
    {
        using var database = ModelDatabase.Open(postgres.ConnectionString);

        Assert.False(database.Database.HasPendingModelChanges(), "The model changed without a migration: EfDesign=true dotnet ef migrations add <Name> -p Monitoring.Data");
    }

    [Fact]
    public async Task Migrations_create_every_table_with_BRIN_indexes_on_time_and_one_champion_per_model()
    {
        var connectionString = await postgres.CreateDatabaseAsync("schema_tables", Cancellation);
        await ModelDatabase.MigrateAsync(connectionString, Cancellation);

        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(Cancellation);
        var tables = await QueryStringsAsync(connection, "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename");
        Assert.Equal(
            ["__EFMigrationsHistory", "drift_events", "drift_reports", "feature_bin_counts", "feedback", "model_artifacts", "model_versions", "models", "monitoring_alerts", "online_update_state", "prediction_logs", "training_jobs"],
            tables);

        var indexes = (await QueryStringsAsync(connection, "SELECT indexname || ' ' || indexdef FROM pg_indexes WHERE schemaname = 'public'")).ToList();
        Assert.Contains(indexes, index => index.StartsWith("ix_prediction_logs_created_at_brin ", StringComparison.Ordinal) && index.Contains("USING brin (created_at)", StringComparison.Ordinal));
        Assert.Contains(indexes, index => index.StartsWith("ix_feature_bin_counts_minute ", StringComparison.Ordinal) && index.Contains("USING brin (minute)", StringComparison.Ordinal));
        Assert.Contains(indexes, index => index.StartsWith("ix_model_versions_one_champion ", StringComparison.Ordinal) && index.Contains("UNIQUE", StringComparison.Ordinal) && index.Contains("WHERE (stage = 'champion'", StringComparison.Ordinal));

        var jsonColumns = await QueryStringsAsync(connection, "SELECT table_name || '.' || column_name FROM information_schema.columns WHERE data_type = 'jsonb' ORDER BY 1");
        Assert.Contains("model_versions.reference_profile", jsonColumns);
        // Write-heavy prediction logs keep plain json (cheaper to ingest); everything else is jsonb.
        var plainJsonColumns = await QueryStringsAsync(connection, "SELECT table_name || '.' || column_name FROM information_schema.columns WHERE data_type = 'json' AND table_name = 'prediction_logs' ORDER BY 1");
        Assert.Equal(["prediction_logs.features", "prediction_logs.probabilities"], plainJsonColumns);
    }

    [Fact]
    public async Task The_database_refuses_a_second_champion_for_one_model()
    {
        var connectionString = await postgres.CreateDatabaseAsync("schema_champion", Cancellation);
        await ModelDatabase.MigrateAsync(connectionString, Cancellation);
        await using var database = ModelDatabase.Open(connectionString);
        var model = new RegisteredModel { Name = "credit", Task = ModelTask.Classification, CreatedAt = DateTimeOffset.UtcNow };
        model.Versions.Add(Version(1, ModelStage.Champion));
        model.Versions.Add(Version(2, ModelStage.Candidate));
        database.Models.Add(model);
        await database.SaveChangesAsync(Cancellation);

        model.Versions[1].Stage = ModelStage.Champion;
        var refused = await Assert.ThrowsAsync<DbUpdateException>(() => database.SaveChangesAsync(Cancellation));

        Assert.Equal(PostgresErrorCodes.UniqueViolation, Assert.IsType<PostgresException>(refused.InnerException).SqlState);
    }

    [Fact]
    public async Task Enums_are_stored_as_lower_case_text_and_json_as_jsonb()
    {
        var connectionString = await postgres.CreateDatabaseAsync("schema_values", Cancellation);
        await ModelDatabase.MigrateAsync(connectionString, Cancellation);
        await using (var database = ModelDatabase.Open(connectionString))
        {
            database.TrainingJobs.Add(new TrainingJob
            {
                Id = Guid.CreateVersion7(),
                ModelName = "credit",
                Trigger = TrainingTrigger.Drift,
                Reason = "dataset drift in 3 consecutive evaluations",
                Status = TrainingJobStatus.Queued,
                MaxAttempts = 3,
                NotBefore = DateTimeOffset.UtcNow,
                CreatedAt = DateTimeOffset.UtcNow,
                Details = """{"drift_share": 0.6}""",
            });
            await database.SaveChangesAsync(Cancellation);
        }

        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(Cancellation);
        var row = await QueryStringsAsync(connection, "SELECT status || ' ' || \"trigger\" || ' ' || (details->>'drift_share') FROM training_jobs");

        Assert.Equal(["queued drift 0.6"], row);
    }

    [Fact]
    public async Task The_predictor_applies_migrations_at_start_and_the_other_services_wait_until_it_has()
    {
        var connectionString = await postgres.CreateDatabaseAsync("schema_owner", Cancellation);
        var environment = new Dictionary<string, string?> { ["ConnectionStrings__modeldb"] = connectionString };
        await using var drift = ServiceProcess.Start("Drift.Service", environment);
        await drift.WaitUntilAliveAsync(Cancellation);

        var waiting = await Eventually.GetAsync(
            async () =>
            {
                var (healthy, schema) = await SchemaCheckAsync(drift);
                return !healthy && schema.GetProperty("description").GetString()!.StartsWith("Waiting for the migration owner", StringComparison.Ordinal) ? schema.ToString() : null;
            },
            TimeSpan.FromSeconds(30),
            "Drift.Service to report that it waits for the migration owner",
            Cancellation);
        Assert.Contains("Unhealthy", waiting);

        await using var predictor = ServiceProcess.Start("Predictor.Api", environment);
        await predictor.WaitUntilAliveAsync(Cancellation);

        foreach (var service in new[] { predictor, drift })
        {
            await Eventually.GetAsync(
                async () => (await SchemaCheckAsync(service)).Healthy ? service : null,
                TimeSpan.FromSeconds(60),
                "the schema to be current",
                Cancellation);
        }
    }

    private static async Task<(bool Healthy, JsonElement Schema)> SchemaCheckAsync(ServiceProcess service)
    {
        using var response = await service.Client.GetAsync("/health", Cancellation);
        var report = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Cancellation)).RootElement;
        var schema = report.GetProperty("checks").EnumerateArray().Single(check => check.GetProperty("name").GetString() == "schema").Clone();
        return (response.IsSuccessStatusCode, schema);
    }

    private static ModelVersion Version(int number, ModelStage stage) => new()
    {
        Version = number,
        Stage = stage,
        Sha256 = new string('0', 64),
        FeatureSchema = """[{"name":"income","type":"numeric"}]""",
        Algorithm = "logistic_regression",
        CreatedAt = DateTimeOffset.UtcNow,
        Artifact = new ModelArtifact { Onnx = [1, 2, 3] },
    };

    private static async Task<List<string>> QueryStringsAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync(Cancellation);
        var values = new List<string>();
        while (await reader.ReadAsync(Cancellation))
        {
            values.Add(reader.GetString(0));
        }

        return values;
    }
}
