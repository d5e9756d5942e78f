using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Monitoring.Data.Alerts;
using Monitoring.Testing;

namespace Drift.Service.Tests.Service;

/// <summary><c>POST /feedback</c> and <c>POST /alerts</c> over a real PostgreSQL.</summary>
public sealed class FeedbackAndAlertsTests(PostgresFixture postgres)
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Feedback_is_stored_once_per_prediction_and_duplicates_and_unknown_ids_are_reported()
    {
        await using var drift = await DriftServiceFactory.CreateAsync(postgres, "feedback");
        using var client = drift.StartClient();
        var now = DateTimeOffset.UtcNow;
        var logged = Enumerable.Range(0, 3).Select(i => Seed.Prediction("churn", now.AddSeconds(-i), label: "yes")).ToList();
        await using (var database = drift.OpenDatabase())
        {
            database.PredictionLogs.AddRange(logged);
            await database.SaveChangesAsync(Cancellation);
        }

        var unknown = Guid.CreateVersion7();
        var first = await PostAsync(client, new { prediction_id = logged[0].Id, actual = "yes" });
        Assert.Equal(1, first.GetProperty("accepted").GetInt32());

        var batch = await PostAsync(client, new
        {
            items = new object[]
            {
                new { prediction_id = logged[0].Id, actual = "no" },
                new { prediction_id = logged[1].Id, actual = "no" },
                new { prediction_id = logged[2].Id, actual = 1 },
                new { prediction_id = unknown, actual = "yes" },
            },
        });

        Assert.Equal(2, batch.GetProperty("accepted").GetInt32());
        Assert.Equal([logged[0].Id], batch.GetProperty("duplicates").EnumerateArray().Select(e => e.GetGuid()));
        Assert.Equal([unknown], batch.GetProperty("unknown").EnumerateArray().Select(e => e.GetGuid()));
        await using var check = drift.OpenDatabase();
        var stored = await check.Feedback.AsNoTracking().ToDictionaryAsync(f => f.PredictionId, Cancellation);
        Assert.Equal(3, stored.Count);
        Assert.Equal("yes", stored[logged[0].Id].ActualLabel);
        Assert.Equal("1", stored[logged[2].Id].ActualLabel);
        Assert.Equal(1.0, stored[logged[2].Id].ActualValue);
        Assert.Equal("churn", stored[logged[1].Id].ModelName);
    }

    public static TheoryData<string, string, HttpStatusCode, string> BadFeedback => new()
    {
        { "malformed JSON", "{oops", HttpStatusCode.BadRequest, "/problems/malformed-request" },
        { "not an object", "[1,2]", HttpStatusCode.UnprocessableEntity, "/problems/invalid-request" },
        { "no prediction id", """{"actual":"yes"}""", HttpStatusCode.UnprocessableEntity, "/problems/invalid-request" },
        { "prediction id not a UUID", """{"prediction_id":"abc","actual":"yes"}""", HttpStatusCode.UnprocessableEntity, "/problems/invalid-request" },
        { "no actual", """{"prediction_id":"0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"}""", HttpStatusCode.UnprocessableEntity, "/problems/invalid-request" },
        { "actual null", """{"prediction_id":"0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b","actual":null}""", HttpStatusCode.UnprocessableEntity, "/problems/invalid-request" },
        { "empty items", """{"items":[]}""", HttpStatusCode.UnprocessableEntity, "/problems/invalid-request" },
        { "one bad item in a batch", """{"items":[{"prediction_id":"0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b","actual":"yes"},{"actual":"no"}]}""", HttpStatusCode.UnprocessableEntity, "/problems/invalid-request" },
    };

    [Theory]
    [MemberData(nameof(BadFeedback))]
    public async Task Bad_feedback_gets_its_problem_and_stores_nothing(string name, string body, HttpStatusCode status, string type)
    {
        _ = name;
        await using var drift = await DriftServiceFactory.CreateAsync(postgres, "badfeedback");
        using var client = drift.StartClient();
        var logged = Seed.Prediction("churn", DateTimeOffset.UtcNow, label: "yes");
        await using (var database = drift.OpenDatabase())
        {
            database.PredictionLogs.Add(logged);
            await database.SaveChangesAsync(Cancellation);
        }

        using var response = await client.PostAsync("/feedback", new StringContent(body.Replace("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b", logged.Id.ToString(), StringComparison.Ordinal), Encoding.UTF8, "application/json"), Cancellation);

        Assert.Equal(status, response.StatusCode);
        Assert.Equal(type, (await response.Content.ReadFromJsonAsync<JsonElement>(Cancellation)).GetProperty("type").GetString());
        await using var check = drift.OpenDatabase();
        Assert.Equal(0, await check.Feedback.CountAsync(Cancellation));
    }

    [Fact]
    public async Task Feedback_in_another_media_type_is_415()
    {
        await using var drift = await DriftServiceFactory.CreateAsync(postgres, "mediatype");
        using var client = drift.StartClient();
        using var response = await client.PostAsync("/feedback", new StringContent("prediction_id=1", Encoding.UTF8, "text/plain"), Cancellation);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
    }

    [Fact]
    public async Task An_alert_that_fires_and_then_resolves_is_one_row_that_ends_resolved()
    {
        await using var drift = await DriftServiceFactory.CreateAsync(postgres, "alerts");
        using var client = drift.StartClient();
        var starts = "2026-11-22T10:00:00Z";
        object Webhook(string status, string ends) => new
        {
            version = "4",
            status,
            receiver = "drift-webhook",
            alerts = new[]
            {
                new
                {
                    status,
                    fingerprint = "abc123",
                    startsAt = starts,
                    endsAt = ends,
                    labels = new Dictionary<string, string> { ["alertname"] = "ModelAccuracyLow", ["severity"] = "critical", ["model"] = "churn" },
                    annotations = new Dictionary<string, string> { ["summary"] = "Accuracy of churn is 0.61" },
                },
            },
        };

        using (var firing = await client.PostAsJsonAsync("/alerts", Webhook("firing", "0001-01-01T00:00:00Z"), Cancellation))
        {
            Assert.Equal(HttpStatusCode.OK, firing.StatusCode);
        }

        using (var repeat = await client.PostAsJsonAsync("/alerts", Webhook("firing", "0001-01-01T00:00:00Z"), Cancellation))
        {
            Assert.Equal(HttpStatusCode.OK, repeat.StatusCode);
        }

        using (var resolved = await client.PostAsJsonAsync("/alerts", Webhook("resolved", "2026-11-22T10:30:00Z"), Cancellation))
        {
            Assert.Equal(HttpStatusCode.OK, resolved.StatusCode);
        }

        await using var database = drift.OpenDatabase();
        var alert = await database.MonitoringAlerts.AsNoTracking().SingleAsync(Cancellation);
        Assert.Equal(AlertStatus.Resolved, alert.Status);
        Assert.Equal("ModelAccuracyLow", alert.AlertName);
        Assert.Equal("critical", alert.Severity);
        Assert.Equal("churn", alert.ModelName);
        Assert.Equal(DateTimeOffset.Parse("2026-11-22T10:30:00Z", System.Globalization.CultureInfo.InvariantCulture), alert.EndsAt);

        using var malformed = await client.PostAsync("/alerts", new StringContent("""{"alerts":[{"labels":{}}]}""", Encoding.UTF8, "application/json"), Cancellation);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, malformed.StatusCode);
    }

    private static async Task<JsonElement> PostAsync(HttpClient client, object body)
    {
        using var response = await client.PostAsJsonAsync("/feedback", body, Cancellation);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync(Cancellation));
        return await response.Content.ReadFromJsonAsync<JsonElement>(Cancellation);
    }
}
