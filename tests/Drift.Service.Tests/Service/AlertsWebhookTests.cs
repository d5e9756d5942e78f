using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Monitoring.Data.Alerts;
using Monitoring.Testing;

namespace Drift.Service.Tests.Service;

/// <summary>Alertmanager's webhook: payloads it never sends are refused without a trace, and its nanosecond times find their row again.</summary>
public sealed class AlertsWebhookTests(PostgresFixture postgres)
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    public static TheoryData<string, string, HttpStatusCode> BadWebhooks => new()
    {
        { "malformed JSON", """{"alerts":[""", HttpStatusCode.BadRequest },
        { "no alerts", """{"version":"4"}""", HttpStatusCode.UnprocessableEntity },
        { "alerts not an array", """{"alerts":{}}""", HttpStatusCode.UnprocessableEntity },
        { "alert not an object", """{"alerts":[1]}""", HttpStatusCode.UnprocessableEntity },
        { "fingerprint a number", """{"alerts":[{"fingerprint":7,"labels":{},"startsAt":"2026-11-22T10:00:00Z"}]}""", HttpStatusCode.UnprocessableEntity },
        { "startsAt a number", """{"alerts":[{"fingerprint":"a","labels":{},"startsAt":12}]}""", HttpStatusCode.UnprocessableEntity },
        { "startsAt not a time", """{"alerts":[{"fingerprint":"a","labels":{},"startsAt":"yesterday"}]}""", HttpStatusCode.UnprocessableEntity },
        { "labels a list", """{"alerts":[{"fingerprint":"a","labels":[],"startsAt":"2026-11-22T10:00:00Z"}]}""", HttpStatusCode.UnprocessableEntity },
        { "second alert bad", """{"alerts":[{"fingerprint":"a","labels":{},"startsAt":"2026-11-22T10:00:00Z"},{"fingerprint":"b"}]}""", HttpStatusCode.UnprocessableEntity },
    };

    [Theory]
    [MemberData(nameof(BadWebhooks))]
    public async Task A_malformed_webhook_is_a_problem_and_stores_no_alert(string name, string body, HttpStatusCode status)
    {
        _ = name;
        await using var drift = await DriftServiceFactory.CreateAsync(postgres, "badalerts");
        using var client = drift.StartClient();

        using var response = await client.PostAsync("/alerts", new StringContent(body, Encoding.UTF8, "application/json"), Cancellation);

        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        await using var database = drift.OpenDatabase();
        Assert.Equal(0, await database.MonitoringAlerts.CountAsync(Cancellation));
    }

    [Fact]
    public async Task Nanosecond_times_and_an_alert_repeated_within_one_payload_make_one_row()
    {
        await using var drift = await DriftServiceFactory.CreateAsync(postgres, "nanoalerts");
        using var client = drift.StartClient();
        object Alert(string status, string ends) => new
        {
            status,
            fingerprint = "f00d",
            startsAt = "2026-11-22T10:00:00.123456789Z",
            endsAt = ends,
            labels = new Dictionary<string, string> { ["alertname"] = "DataDriftDetected", ["model"] = "credit" },
            annotations = new Dictionary<string, string> { ["summary"] = status },
        };

        using (var first = await client.PostAsJsonAsync("/alerts", new { version = "4", alerts = new[] { Alert("firing", "0001-01-01T00:00:00Z"), Alert("firing", "0001-01-01T00:00:00Z") } }, Cancellation))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        }

        using (var resolved = await client.PostAsJsonAsync("/alerts", new { version = "4", alerts = new[] { Alert("resolved", "2026-11-22T11:00:00.987654321Z") } }, Cancellation))
        {
            Assert.Equal(HttpStatusCode.OK, resolved.StatusCode);
        }

        await using var database = drift.OpenDatabase();
        var alert = await database.MonitoringAlerts.AsNoTracking().SingleAsync(Cancellation);
        Assert.Equal(AlertStatus.Resolved, alert.Status);
        Assert.Equal(new DateTimeOffset(2026, 11, 22, 10, 0, 0, TimeSpan.Zero).AddTicks(1_234_560), alert.StartsAt);
        Assert.Equal(new DateTimeOffset(2026, 11, 22, 11, 0, 0, TimeSpan.Zero).AddTicks(9_876_540), alert.EndsAt);
        Assert.Equal("resolved", JsonDocument.Parse(alert.Annotations).RootElement.GetProperty("summary").GetString());
        var listed = await client.GetFromJsonAsync<JsonElement>("/alerts?model=credit", Cancellation);
        Assert.Equal("resolved", Assert.Single(listed.EnumerateArray()).GetProperty("status").GetString());
    }
}
