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

/// <summary>The retraining policy's other two triggers (performance floor, online detectors), its cooldown, and the start-up check of the settings.</summary>
public sealed class RetrainingPolicyTests(PostgresFixture postgres)
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    private static readonly ReferenceProfile s_profile = new()
    {
        Rows = 100,
        Features = [ReferenceProfileBuilder.Numeric("f0", [.. Enumerable.Range(0, 100).Select(i => (double)i)])],
    };

    /// <summary>A classifier champion with <paramref name="labels"/> matched feedback in the last hour, <paramref name="right"/> of them right.</summary>
    private static async Task SeedAsync(DriftServiceFactory drift, int labels, int right, TimeSpan? lastJobAgo = null)
    {
        var now = DateTimeOffset.UtcNow;
        await using var database = drift.OpenDatabase();
        await Seed.ChampionAsync(database, "churn", ModelTask.Classification, new FeatureSchema([new FeatureDefinition("f0", FeatureType.Numeric)]), s_profile, now.AddDays(-1));
        for (var i = 0; i < labels; i++)
        {
            var prediction = Seed.Prediction("churn", now.AddMinutes(-20).AddSeconds(i), label: "yes");
            database.PredictionLogs.Add(prediction);
            database.Feedback.Add(new GroundTruthFeedback { PredictionId = prediction.Id, ModelName = "churn", ModelVersion = 1, ActualLabel = i < right ? "yes" : "no", ReceivedAt = now.AddMinutes(-10) });
        }

        if (lastJobAgo is { } ago)
        {
            var created = now - ago;
            database.TrainingJobs.Add(new TrainingJob
            {
                Id = Guid.CreateVersion7(created),
                ModelName = "churn",
                Trigger = TrainingTrigger.Schedule,
                Reason = "nightly",
                Status = TrainingJobStatus.Succeeded,
                MaxAttempts = 3,
                NotBefore = created,
                CreatedAt = created,
                FinishedAt = created.AddMinutes(5),
            });
        }

        await database.SaveChangesAsync(Cancellation);
    }

    private static async Task<JsonElement> EvaluateAsync(HttpClient client)
    {
        using var response = await client.PostAsync("/drift/evaluate?model=churn&window=1h", null, Cancellation);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>(Cancellation);
    }

    private static async Task<List<TrainingJob>> DriftJobsAsync(DriftServiceFactory drift)
    {
        await using var database = drift.OpenDatabase();
        return await database.TrainingJobs.AsNoTracking().Where(j => j.Trigger == TrainingTrigger.Drift).ToListAsync(Cancellation);
    }

    [Theory]
    [InlineData(60, 30, true)] // accuracy 0.5 under the floor 0.7, with enough labels
    [InlineData(40, 10, false)] // accuracy 0.25, but under MinFeedbackForPerformance (50) labels
    [InlineData(60, 50, false)] // accuracy 0.83 above the floor
    public async Task Accuracy_under_the_floor_with_enough_labels_queues_a_retrain(int labels, int right, bool queued)
    {
        await using var drift = await DriftServiceFactory.CreateAsync(postgres, "floor");
        using var client = drift.StartClient();
        await SeedAsync(drift, labels, right);

        var report = await EvaluateAsync(client);

        Assert.Equal((double)right / labels, report.GetProperty("performance").GetProperty("accuracy").GetDouble(), 12);
        var jobs = await DriftJobsAsync(drift);
        Assert.Equal(queued ? 1 : 0, jobs.Count);
        if (queued)
        {
            Assert.StartsWith("accuracy 0.5 over 60 labels is under the floor 0.7", jobs[0].Reason, StringComparison.Ordinal);
            // Queued by this evaluation, or by the service's own start-up evaluation racing with the seeding.
            if (report.GetProperty("retraining_queued").GetString() is { } queuedBy)
            {
                Assert.StartsWith(jobs[0].Id.ToString(), queuedBy, StringComparison.Ordinal);
            }
        }
    }

    [Theory]
    [InlineData(1, false)] // the model's last job is within the 6 h cooldown
    [InlineData(7, true)]
    public async Task The_cooldown_counts_from_the_models_last_job_of_any_trigger_as_stored(int hoursAgo, bool queued)
    {
        await using var drift = await DriftServiceFactory.CreateAsync(postgres, "cooldown");
        using var client = drift.StartClient();
        await SeedAsync(drift, labels: 60, right: 30, lastJobAgo: TimeSpan.FromHours(hoursAgo));

        await EvaluateAsync(client);

        Assert.Equal(queued ? 1 : 0, (await DriftJobsAsync(drift)).Count);
    }

    [Fact]
    public async Task A_regressors_performance_limit_applies_only_when_set()
    {
        var now = DateTimeOffset.UtcNow;
        async Task<int> JobsAfterEvaluationAsync(Dictionary<string, string?>? settings)
        {
            await using var drift = await DriftServiceFactory.CreateAsync(postgres, "reglimit", settings);
            using var client = drift.StartClient();
            await using (var database = drift.OpenDatabase())
            {
                await Seed.ChampionAsync(database, "price", ModelTask.Regression, new FeatureSchema([new FeatureDefinition("f0", FeatureType.Numeric)]), s_profile, now.AddDays(-1));
                for (var i = 0; i < 60; i++)
                {
                    // Predictions off by 10 on values spread 0..59: R² = 1 - 100 / var(actual) ≈ 0.67.
                    var prediction = Seed.Prediction("price", now.AddMinutes(-20).AddSeconds(i), value: i + 10);
                    database.PredictionLogs.Add(prediction);
                    database.Feedback.Add(new GroundTruthFeedback { PredictionId = prediction.Id, ModelName = "price", ModelVersion = 1, ActualValue = i, ReceivedAt = now.AddMinutes(-10) });
                }

                await database.SaveChangesAsync(Cancellation);
            }

            using var response = await client.PostAsync("/drift/evaluate?model=price&window=1h", null, Cancellation);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            return (await DriftJobsAsync(drift)).Count;
        }

        Assert.Equal(0, await JobsAfterEvaluationAsync(null));
        Assert.Equal(1, await JobsAfterEvaluationAsync(new() { ["Drift:RegressionPerformanceLimit"] = "0.9" }));
        Assert.Equal(0, await JobsAfterEvaluationAsync(new() { ["Drift:RegressionPerformanceLimit"] = "0.5" }));
        Assert.Equal(1, await JobsAfterEvaluationAsync(new() { ["Drift:RegressionPerformanceMetric"] = "mae", ["Drift:RegressionPerformanceLimit"] = "5" }));
    }

    [Fact]
    public async Task Drift_signalled_by_an_online_detector_queues_one_retrain_at_the_next_evaluation()
    {
        await using var drift = await DriftServiceFactory.CreateAsync(postgres, "detector");
        using var client = drift.StartClient();
        await SeedAsync(drift, labels: 0, right: 0);

        // A model that was right 300 times and then always wrong.
        for (var i = 0; i < 600; i++)
        {
            using var update = await client.PostAsJsonAsync("/drift/update", new { model = "churn", prediction = "yes", actual = i < 300 ? "yes" : "no" }, Cancellation);
            Assert.Equal(HttpStatusCode.OK, update.StatusCode);
        }

        var status = await client.GetFromJsonAsync<JsonElement>("/drift/status?model=churn", Cancellation);
        Assert.Contains(status.GetProperty("detectors").GetProperty("churn").EnumerateArray(), d => d.GetProperty("drifts").GetInt64() > 0 && d.GetProperty("name").GetString() is "adwin" or "page_hinkley" or "hddm_a");

        await EvaluateAsync(client);
        await EvaluateAsync(client);

        var job = Assert.Single(await DriftJobsAsync(drift));
        Assert.Contains("online detector", job.Reason, StringComparison.Ordinal);
        await using var database = drift.OpenDatabase();
        Assert.True(await database.DriftEvents.AnyAsync(e => e.ModelName == "churn" && e.Severity == Monitoring.Data.Drift.DriftSeverity.Drift, Cancellation));
    }

    [Theory]
    [InlineData("Drift:ConsecutiveDriftEvaluations", "0")]
    [InlineData("Drift:EvaluationInterval", "00:00:00")]
    [InlineData("Drift:PerformanceMetric", "mae")]
    [InlineData("Drift:Thresholds:PValue", "2")]
    [InlineData("Drift:Cooldown", "-01:00:00")]
    public async Task A_bad_setting_stops_the_start_with_a_message_naming_it(string setting, string value)
    {
        await using var drift = await DriftServiceFactory.CreateAsync(postgres, "settings", new Dictionary<string, string?> { [setting] = value });

        var failure = Record.Exception(() => drift.StartClient());

        Assert.NotNull(failure);
        Assert.Contains(setting, failure.ToString(), StringComparison.Ordinal);
    }
}
