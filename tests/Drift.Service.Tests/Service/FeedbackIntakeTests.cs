extern alias drift;

using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using drift::Drift.Service.Feedback;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Monitoring.Testing;

namespace Drift.Service.Tests.Service;

/// <summary>Feedback that comes early, regressors' feedback, and the size limits of <c>POST /feedback</c>.</summary>
public sealed class FeedbackIntakeTests(PostgresFixture postgres)
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    private static readonly Dictionary<string, string?> s_fastRetry = new()
    {
        ["Drift:PendingFeedbackRetryInterval"] = "00:00:00.100",
        ["Drift:PendingFeedbackRetention"] = "00:00:30",
    };

    [Fact]
    public async Task Feedback_sent_before_its_prediction_is_logged_is_held_and_stored_when_the_log_row_arrives()
    {
        await using var drift = await DriftServiceFactory.CreateAsync(postgres, "early", s_fastRetry);
        using var client = drift.StartClient();
        var prediction = Seed.Prediction("churn", DateTimeOffset.UtcNow, label: "yes");

        var reply = await PostAsync(client, new { prediction_id = prediction.Id, actual = "no" });

        Assert.Equal(0, reply.GetProperty("accepted").GetInt32());
        Assert.Equal([prediction.Id], reply.GetProperty("unknown").EnumerateArray().Select(e => e.GetGuid()));
        Assert.Contains("held", reply.GetProperty("message").GetString(), StringComparison.Ordinal);

        // The predictor's log writer catches up.
        await using (var database = drift.OpenDatabase())
        {
            database.PredictionLogs.Add(prediction);
            await database.SaveChangesAsync(Cancellation);
        }

        // The retrier lets go of a held item once its store has committed, so the row can be seen a moment before.
        var pending = drift.Services.GetRequiredService<PendingFeedback>();
        var stored = await EventuallyAsync(async () =>
        {
            await using var database = drift.OpenDatabase();
            var row = await database.Feedback.AsNoTracking().SingleOrDefaultAsync(f => f.PredictionId == prediction.Id, Cancellation);
            return pending.Count == 0 ? row : null;
        });
        Assert.Equal("no", stored.ActualLabel);
        Assert.Equal("churn", stored.ModelName);
        Assert.Equal(0, pending.Count);

        // Retrying it now is harmless: a duplicate, the first answer kept.
        var retry = await PostAsync(client, new { prediction_id = prediction.Id, actual = "yes" });
        Assert.Equal([prediction.Id], retry.GetProperty("duplicates").EnumerateArray().Select(e => e.GetGuid()));
        await using var check = drift.OpenDatabase();
        Assert.Equal("no", (await check.Feedback.AsNoTracking().SingleAsync(Cancellation)).ActualLabel);
    }

    [Fact]
    public async Task Held_feedback_whose_prediction_never_appears_is_let_go_after_the_retention()
    {
        await using var drift = await DriftServiceFactory.CreateAsync(postgres, "giveup", new Dictionary<string, string?>
        {
            ["Drift:PendingFeedbackRetryInterval"] = "00:00:00.100",
            ["Drift:PendingFeedbackRetention"] = "00:00:00.500",
        });
        using var client = drift.StartClient();
        var pending = drift.Services.GetRequiredService<PendingFeedback>();

        await PostAsync(client, new { items = new[] { new { prediction_id = Guid.CreateVersion7(), actual = "x" }, new { prediction_id = Guid.CreateVersion7(), actual = "y" } } });

        Assert.Equal(2, pending.Count);
        await EventuallyAsync(() => Task.FromResult(pending.Count == 0 ? "empty" : null));
        await using var check = drift.OpenDatabase();
        Assert.Equal(0, await check.Feedback.CountAsync(Cancellation));
    }

    [Fact]
    public async Task With_holding_off_an_unknown_id_is_reported_without_a_promise()
    {
        await using var drift = await DriftServiceFactory.CreateAsync(postgres, "nohold", new Dictionary<string, string?> { ["Drift:PendingFeedbackRetention"] = "00:00:00" });
        using var client = drift.StartClient();

        var reply = await PostAsync(client, new { prediction_id = Guid.CreateVersion7(), actual = "x" });

        Assert.Equal(1, reply.GetProperty("unknown").GetArrayLength());
        Assert.Contains("not kept", reply.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, drift.Services.GetRequiredService<PendingFeedback>().Count);
    }

    [Fact]
    public async Task A_regressors_prediction_needs_a_number_and_a_refused_batch_stores_nothing()
    {
        await using var drift = await DriftServiceFactory.CreateAsync(postgres, "regfeedback");
        using var client = drift.StartClient();
        var now = DateTimeOffset.UtcNow;
        var price = Seed.Prediction("price", now, value: 10);
        var churn = Seed.Prediction("churn", now, label: "1");
        await using (var database = drift.OpenDatabase())
        {
            database.PredictionLogs.AddRange(price, churn);
            await database.SaveChangesAsync(Cancellation);
        }

        using var refused = await client.PostAsJsonAsync(
            "/feedback",
            new { items = new object[] { new { prediction_id = churn.Id, actual = 1.0 }, new { prediction_id = price.Id, actual = "ten" } } },
            Cancellation);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.StatusCode);
        var problem = await refused.Content.ReadFromJsonAsync<JsonElement>(Cancellation);
        Assert.Equal("items[1].actual", problem.GetProperty("field").GetString());
        await using (var database = drift.OpenDatabase())
        {
            Assert.Equal(0, await database.Feedback.CountAsync(Cancellation));
        }

        var accepted = await PostAsync(client, new { items = new object[] { new { prediction_id = churn.Id, actual = 1.0 }, new { prediction_id = price.Id, actual = "12.5" } } });

        Assert.Equal(2, accepted.GetProperty("accepted").GetInt32());
        await using var check = drift.OpenDatabase();
        var stored = await check.Feedback.AsNoTracking().ToDictionaryAsync(f => f.PredictionId, Cancellation);
        Assert.Equal(12.5, stored[price.Id].ActualValue);
        // 1.0 is the class "1".
        Assert.Equal("1", stored[churn.Id].ActualLabel);

        // Each fed its model's detectors: a 0/1 error for the classifier, the absolute error for the regressor.
        var status = await client.GetFromJsonAsync<JsonElement>("/drift/status", Cancellation);
        var detectors = status.GetProperty("detectors");
        Assert.Equal(6, detectors.GetProperty("churn").GetArrayLength());
        Assert.Equal(3, detectors.GetProperty("price").GetArrayLength());
        Assert.All(detectors.GetProperty("price").EnumerateArray(), d => Assert.Equal(1, d.GetProperty("seen").GetInt64()));
    }

    [Fact]
    public async Task A_batch_over_the_item_limit_or_a_chunked_body_over_the_byte_limit_is_413()
    {
        await using var drift = await DriftServiceFactory.CreateAsync(postgres, "toolarge", new Dictionary<string, string?>
        {
            ["Drift:MaxFeedbackBatch"] = "2",
            ["Drift:MaxRequestBytes"] = "2048",
        });
        using var client = drift.StartClient();

        var items = Enumerable.Range(0, 3).Select(_ => new { prediction_id = Guid.CreateVersion7(), actual = "x" }).ToArray();
        using var tooMany = await client.PostAsJsonAsync("/feedback", new { items }, Cancellation);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooMany.StatusCode);
        Assert.Equal("/problems/too-large", (await tooMany.Content.ReadFromJsonAsync<JsonElement>(Cancellation)).GetProperty("type").GetString());

        // No Content-Length: the limit applies while reading.
        var body = Encoding.UTF8.GetBytes($$"""{"prediction_id":"{{Guid.CreateVersion7()}}","actual":"{{new string('x', 4096)}}"}""");
        using var chunked = new StreamContent(new MemoryStream(body));
        chunked.Headers.ContentType = new("application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/feedback") { Content = chunked };
        request.Headers.TransferEncodingChunked = true;
        using var tooBig = await client.SendAsync(request, Cancellation);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooBig.StatusCode);
        Assert.Equal(0, drift.Services.GetRequiredService<PendingFeedback>().Count);
    }

    private static async Task<JsonElement> PostAsync(HttpClient client, object body)
    {
        using var response = await client.PostAsJsonAsync("/feedback", body, Cancellation);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync(Cancellation));
        return await response.Content.ReadFromJsonAsync<JsonElement>(Cancellation);
    }

    private static async Task<T> EventuallyAsync<T>(Func<Task<T?>> probe)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Cancellation);
        timeout.CancelAfter(TimeSpan.FromSeconds(20));
        while (true)
        {
            if (await probe() is { } value)
            {
                return value;
            }

            await Task.Delay(100, timeout.Token);
        }
    }
}
