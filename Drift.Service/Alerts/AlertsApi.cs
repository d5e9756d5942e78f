using System.Text.Json;
using Drift.Service.Apis;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Monitoring.Data;
using Monitoring.Data.Alerts;

namespace Drift.Service.Alerts;

/// <summary>
/// <c>POST /alerts</c>: Alertmanager's webhook (payload version 4). Each alert is one row per fingerprint and start
/// time: a repeat notification updates it, a resolution sets its status and end.
/// </summary>
public static class AlertsApi
{
    public static IEndpointRouteBuilder MapAlertsApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost("/alerts", PostAsync).WithName("AlertmanagerWebhook").WithTags("Alerts");
        endpoints.MapGet("/alerts", ListAsync).WithName("ListAlerts").WithTags("Alerts");
        return endpoints;
    }

    private static async Task<IResult> PostAsync(HttpContext context, ModelDbContext database, IOptions<DriftServiceOptions> options, TimeProvider time, CancellationToken cancellationToken)
    {
        var (document, refusal) = await ApiRequests.ReadJsonAsync(context, options.Value, "Alertmanager posts application/json.", cancellationToken);
        if (refusal is not null)
        {
            return refusal;
        }

        using (document)
        {
            if (document!.RootElement.ValueKind != JsonValueKind.Object
                || !document.RootElement.TryGetProperty("alerts", out var alerts) || alerts.ValueKind != JsonValueKind.Array)
            {
                return ApiProblems.Unprocessable("An Alertmanager webhook body has an 'alerts' array.", "alerts");
            }

            var now = time.GetUtcNow();
            var index = 0;
            foreach (var alert in alerts.EnumerateArray())
            {
                var path = $"alerts[{index++}]";
                if (alert.ValueKind != JsonValueKind.Object
                    || !alert.TryGetProperty("fingerprint", out var fingerprintText) || fingerprintText.ValueKind != JsonValueKind.String || fingerprintText.GetString() is not { Length: > 0 } fingerprint
                    || !alert.TryGetProperty("labels", out var labels) || labels.ValueKind != JsonValueKind.Object
                    || Time(alert, "startsAt") is not { } startsAt)
                {
                    return ApiProblems.Unprocessable("Each alert has 'fingerprint' (string), 'labels' (object) and 'startsAt' (RFC 3339 time).", path);
                }

                var resolved = alert.TryGetProperty("status", out var status) && status.ValueKind == JsonValueKind.String && status.ValueEquals("resolved");
                var annotations = alert.TryGetProperty("annotations", out var given) && given.ValueKind == JsonValueKind.Object ? given.GetRawText() : "{}";
                // One alert can appear twice in a payload (grouping), so rows added in this request are looked at too.
                var row = database.MonitoringAlerts.Local.FirstOrDefault(a => a.Fingerprint == fingerprint && a.StartsAt == startsAt)
                    ?? await database.MonitoringAlerts.SingleOrDefaultAsync(a => a.Fingerprint == fingerprint && a.StartsAt == startsAt, cancellationToken);
                if (row is null)
                {
                    row = new MonitoringAlert
                    {
                        Fingerprint = fingerprint,
                        AlertName = Label(labels, "alertname") ?? "(unnamed)",
                        Labels = labels.GetRawText(),
                        Annotations = annotations,
                        StartsAt = startsAt,
                    };
                    database.MonitoringAlerts.Add(row);
                }

                row.Status = resolved ? AlertStatus.Resolved : AlertStatus.Firing;
                row.Severity = Label(labels, "severity");
                row.ModelName = Label(labels, "model");
                row.Annotations = annotations;
                row.EndsAt = resolved ? Time(alert, "endsAt") : null;
                row.ReceivedAt = now;
            }

            await database.SaveChangesAsync(cancellationToken);
            return TypedResults.Ok(new { received = index });
        }
    }

    private static async Task<IResult> ListAsync(ModelDbContext database, string? model, int? limit, CancellationToken cancellationToken)
    {
        if (limit is < 1 or > 1000)
        {
            return ApiProblems.Unprocessable("'limit' is between 1 and 1000.", "limit");
        }

        var query = database.MonitoringAlerts.AsNoTracking();
        if (!string.IsNullOrWhiteSpace(model))
        {
            query = query.Where(a => a.ModelName == model);
        }

        var alerts = await query.OrderByDescending(a => a.ReceivedAt).Take(limit ?? 100).ToListAsync(cancellationToken);
        return TypedResults.Ok(alerts.Select(a => new
        {
            fingerprint = a.Fingerprint,
            alertname = a.AlertName,
            status = a.Status.ToString().ToLowerInvariant(),
            severity = a.Severity,
            model = a.ModelName,
            starts_at = a.StartsAt,
            ends_at = a.EndsAt,
            received_at = a.ReceivedAt,
            labels = JsonDocument.Parse(a.Labels).RootElement.Clone(),
            annotations = JsonDocument.Parse(a.Annotations).RootElement.Clone(),
        }));
    }

    /// <summary>
    /// An RFC 3339 time in UTC, cut to PostgreSQL's microseconds so that the next notification of the same alert
    /// (Alertmanager sends nanoseconds) finds its row. Alertmanager's zero time (year 1) means none.
    /// </summary>
    private static DateTimeOffset? Time(JsonElement alert, string name) =>
        alert.TryGetProperty(name, out var text) && text.ValueKind == JsonValueKind.String && text.TryGetDateTimeOffset(out var time) && time.Year > 1
            ? new DateTimeOffset(time.UtcTicks - (time.UtcTicks % 10), TimeSpan.Zero)
            : null;

    private static string? Label(JsonElement labels, string name) =>
        labels.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
