using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Monitoring.Data;
using Monitoring.Testing;
using Npgsql;

namespace Training.Worker.Tests.Service;

/// <summary>
/// A retrain after concept drift: logged, labelled traffic from the drifted world joins the reference data, and
/// the gate judges candidate and champion on that traffic's share of the holdout, where the champion has gone wrong.
/// </summary>
public sealed class DriftRetrainGateTests(PostgresFixture postgres)
{
    private const string Model = "credit";

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task After_concept_drift_the_gate_compares_on_logged_traffic_and_promotes_the_retrained_candidate()
    {
        var connectionString = await postgres.CreateDatabaseAsync($"gate_{Guid.NewGuid():N}"[..30], Cancellation);
        await using (var database = new ModelDbContext(new DbContextOptionsBuilder<ModelDbContext>().UseNpgsql(connectionString).Options))
        {
            await database.Database.MigrateAsync(Cancellation);
        }

        var settings = new Dictionary<string, string?>
        {
            ["Training:Bootstrap:0:Name"] = Model,
            ["Training:Bootstrap:0:Dataset"] = "credit-risk",
            ["Training:Bootstrap:0:Rows"] = "2000",
            ["Training:Bootstrap:0:Algorithm"] = "gradient_boosted_trees",
        };
        await using var worker = new TrainingWorkerFactory(connectionString, settings);
        using var client = worker.StartClient();
        await JobClient.WaitForJobAsync(client, Model, j => j.GetProperty("status").GetString() == "succeeded", Cancellation);

        // Traffic after the world changed: shifted applicants whose risk now follows a reversed concept, all labelled.
        var drifted = DemoDatasets.Stream(SyntheticDataset.CreditRisk, seed: 5, DriftScenario.Combined(DriftScenario.Covariate(1.0, "age", "income"), DriftScenario.Concept(1.0)));
        await LogLabelledTrafficAsync(connectionString, drifted.Take(2000));

        var queued = await JobClient.QueueAsync(client, Model, "concept drift", Cancellation);
        var job = await JobClient.WaitForJobAsync(client, Model, j => j.GetProperty("id").GetGuid() == queued && j.GetProperty("status").GetString() is not ("queued" or "running"), Cancellation);

        var details = job.GetProperty("details");
        var decision = details.GetProperty("decision");
        Assert.Equal("succeeded", job.GetProperty("status").GetString());
        Assert.Equal("logged_traffic", decision.GetProperty("holdout").GetString());
        Assert.True(decision.GetProperty("promote").GetBoolean(), decision.GetProperty("reason").GetString());
        Assert.StartsWith("Logged-traffic holdout", decision.GetProperty("reason").GetString(), StringComparison.Ordinal);
        // The champion is worse on the drifted traffic than on the whole holdout, which is mostly reference rows.
        var championOnTraffic = decision.GetProperty("champion").GetProperty("roc_auc").GetDouble();
        var championOnAll = details.GetProperty("champion").GetProperty("metrics").GetProperty("roc_auc").GetDouble();
        Assert.True(championOnTraffic < championOnAll, $"champion roc_auc on logged traffic {championOnTraffic}, on the whole holdout {championOnAll}");
        Assert.True(decision.GetProperty("candidate").GetProperty("roc_auc").GetDouble() > championOnTraffic);
        Assert.InRange(decision.GetProperty("holdout_rows").GetInt32(), 200, 400);
    }

    private static async Task LogLabelledTrafficAsync(string connectionString, IEnumerable<SyntheticRow> rows)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(Cancellation);
        await using var batch = new NpgsqlBatch(connection);
        foreach (var row in rows)
        {
            var id = Guid.CreateVersion7();
            batch.BatchCommands.Add(new NpgsqlBatchCommand(
                "INSERT INTO prediction_logs (id, model_name, model_version, created_at, features, label, latency_ms, drifted) VALUES ($1, $2, 1, now(), $3::json, 'good', 1, false)")
            {
                Parameters = { new() { Value = id }, new() { Value = Model }, new() { Value = JsonSerializer.Serialize(row.ToDictionary()) } },
            });
            batch.BatchCommands.Add(new NpgsqlBatchCommand(
                "INSERT INTO feedback (prediction_id, model_name, model_version, actual_label, received_at) VALUES ($1, $2, 1, $3, now())")
            {
                Parameters = { new() { Value = id }, new() { Value = Model }, new() { Value = row.Label! } },
            });
        }

        await batch.ExecuteNonQueryAsync(Cancellation);
    }
}

/// <summary>The training worker's job routes as the tests drive them.</summary>
internal static class JobClient
{
    public static async Task<Guid> QueueAsync(HttpClient client, string model, string reason, CancellationToken cancellationToken)
    {
        using var response = await client.PostAsJsonAsync("/training/jobs", new { model, reason }, cancellationToken);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken)).GetProperty("id").GetGuid();
    }

    public static async Task<JsonElement> WaitForJobAsync(HttpClient client, string model, Func<JsonElement, bool> condition, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (true)
        {
            var jobs = await client.GetFromJsonAsync<JsonElement>($"/training/jobs?model={model}", cancellationToken);
            if (jobs.EnumerateArray().Where(condition).Select(j => (JsonElement?)j.Clone()).FirstOrDefault() is { } found)
            {
                return found;
            }

            Assert.True(DateTime.UtcNow < deadline, "No matching job within 120 s.");
            await Task.Delay(100, cancellationToken);
        }
    }
}
