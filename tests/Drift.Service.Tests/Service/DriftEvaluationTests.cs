using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Monitoring.Data.Feedback;
using Monitoring.Data.Profiles;
using Monitoring.Data.Registry;
using Monitoring.Data.Training;
using Monitoring.Testing;

namespace Drift.Service.Tests.Service;

/// <summary>Evaluation end to end: binned counts in PostgreSQL, the report, the retraining policy, performance.</summary>
public sealed class DriftEvaluationTests(PostgresFixture postgres)
{
    private static readonly string[] s_features = ["f0", "f1", "f2", "f3", "f4"];

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    private static double[] Normal(Random random, int count, double shift) =>
        [.. Enumerable.Range(0, count).Select(_ => shift + (Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble())))];

    [Fact]
    public async Task Covariate_shift_on_two_features_is_reported_on_exactly_those_and_queues_one_retraining_job()
    {
        var settings = new Dictionary<string, string?> { ["Drift:ConsecutiveDriftEvaluations"] = "2", ["Drift:Thresholds:DriftShare"] = "0.4" };
        await using var drift = await DriftServiceFactory.CreateAsync(postgres, "evaluation", settings);
        using var client = drift.StartClient();
        var random = new Random(7);
        var schema = new FeatureSchema([.. s_features.Select(f => new FeatureDefinition(f, FeatureType.Numeric))]);
        var profile = new ReferenceProfile { Rows = 20_000, Features = [.. s_features.Select(f => ReferenceProfileBuilder.Numeric(f, Normal(random, 20_000, 0)))] };
        var now = DateTimeOffset.UtcNow;
        var minute = new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, now.Minute, 0, TimeSpan.Zero);
        await using (var database = drift.OpenDatabase())
        {
            await Seed.ChampionAsync(database, "credit", ModelTask.Classification, schema, profile, now.AddDays(-1));
            for (var m = 1; m <= 5; m++)
            {
                // f1 and f3 moved by one standard deviation; the others did not.
                var live = s_features.ToDictionary(f => f, f => Normal(random, 2_000, f is "f1" or "f3" ? 1.0 : 0.0));
                database.FeatureBinCounts.AddRange(Seed.Bins("credit", profile, live, minute.AddMinutes(-m)));
            }

            await database.SaveChangesAsync(Cancellation);
        }

        var reports = new List<JsonElement>();
        for (var i = 0; i < 4; i++)
        {
            using var response = await client.PostAsync("/drift/evaluate?model=credit&window=1h", null, Cancellation);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            reports.Add(await response.Content.ReadFromJsonAsync<JsonElement>(Cancellation));
        }

        var report = reports[^1];
        var drifted = report.GetProperty("drift").GetProperty("features").EnumerateArray()
            .Where(f => f.GetProperty("drift").GetBoolean()).Select(f => f.GetProperty("feature").GetString()).Order();
        Assert.Equal(["f1", "f3"], drifted);
        Assert.Equal(10_000, report.GetProperty("samples").GetInt64());
        Assert.True(report.GetProperty("drift").GetProperty("dataset_drift").GetBoolean());

        await using var check = drift.OpenDatabase();
        var jobs = await check.TrainingJobs.AsNoTracking().ToListAsync(Cancellation);
        var job = Assert.Single(jobs);
        Assert.Equal(TrainingTrigger.Drift, job.Trigger);
        Assert.Contains("f1", job.Reason, StringComparison.Ordinal);
        // Four asked for, and possibly one from the service's own loop, which evaluates once at start.
        Assert.InRange(await check.DriftReports.CountAsync(Cancellation), 4, 5);

        using var stored = await client.GetAsync("/drift/reports?model=credit&limit=2", Cancellation);
        Assert.Equal(2, (await stored.Content.ReadFromJsonAsync<JsonElement>(Cancellation)).GetArrayLength());
    }

    [Fact]
    public async Task A_stationary_window_reports_no_drift_and_performance_comes_from_matched_feedback()
    {
        await using var drift = await DriftServiceFactory.CreateAsync(postgres, "stationary");
        using var client = drift.StartClient();
        var random = new Random(11);
        var schema = new FeatureSchema([.. s_features.Select(f => new FeatureDefinition(f, FeatureType.Numeric))]);
        var profile = new ReferenceProfile { Rows = 20_000, Features = [.. s_features.Select(f => ReferenceProfileBuilder.Numeric(f, Normal(random, 20_000, 0)))] };
        var now = DateTimeOffset.UtcNow;
        await using (var database = drift.OpenDatabase())
        {
            await Seed.ChampionAsync(database, "churn", ModelTask.Classification, schema, profile, now.AddDays(-1));
            database.FeatureBinCounts.AddRange(Seed.Bins("churn", profile, s_features.ToDictionary(f => f, f => Normal(random, 3_000, 0)), now.AddMinutes(-2)));
            // 8 of 10 predictions right.
            for (var i = 0; i < 10; i++)
            {
                var prediction = Seed.Prediction("churn", now.AddMinutes(-3).AddSeconds(i), label: i % 2 == 0 ? "yes" : "no", confidence: 0.9);
                database.PredictionLogs.Add(prediction);
                database.Feedback.Add(new GroundTruthFeedback { PredictionId = prediction.Id, ModelName = "churn", ModelVersion = 1, ActualLabel = i < 8 ? prediction.Label : (prediction.Label == "yes" ? "no" : "yes"), ReceivedAt = now.AddMinutes(-1) });
            }

            await database.SaveChangesAsync(Cancellation);
        }

        using var response = await client.PostAsync("/drift/evaluate?model=churn", null, Cancellation);
        var report = await response.Content.ReadFromJsonAsync<JsonElement>(Cancellation);

        Assert.False(report.GetProperty("drift").GetProperty("dataset_drift").GetBoolean(), report.ToString());
        Assert.Equal(0, report.GetProperty("drift").GetProperty("drifted_features").GetInt32());
        Assert.Equal(0.8, report.GetProperty("performance").GetProperty("accuracy").GetDouble(), 9);
        Assert.Equal(10, report.GetProperty("feedback_count").GetInt64());
        using var performance = await client.GetAsync("/performance?model=churn", Cancellation);
        Assert.Equal(HttpStatusCode.OK, performance.StatusCode);
        using var unknown = await client.PostAsync("/drift/evaluate?model=nope", null, Cancellation);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        using var badWindow = await client.PostAsync("/drift/evaluate?model=churn&window=soon", null, Cancellation);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, badWindow.StatusCode);
    }
}
