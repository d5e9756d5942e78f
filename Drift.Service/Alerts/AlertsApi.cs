using System.Text.Json;
using Microsoft.EntityFrameworkCore;
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

    private static async Task<IResult> PostAsync(HttpRequest request, ModelDbContext database, TimeProvider time, CancellationToken cancellationToken)
    {
        if (!request.HasJsonContentType())
        {
            return ApiProblems.UnsupportedMediaType("Alertmanager posts application/json.");
        }

        JsonDocument document;
        try
        {
            document = await JsonDocument.ParseAsync(request.Body, cancellationToken: cancellationToken);
        }
        catch (JsonException exception)
        {
            return ApiProblems.Malformed($"The body is not valid JSON: {exception.Message}");
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object
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
                    || !alert.TryGetProperty("fingerprint", out var fingerprint) || fingerprint.ValueKind != JsonValueKind.String
                    || !alert.TryGetProperty("labels", out var labels) || labels.ValueKind != JsonValueKind.Object
                    || !alert.TryGetProperty("startsAt", out var startsAtText) || !startsAtText.TryGetDateTimeOffset(out var startsAt))
                {
                    return ApiProblems.Unprocessable("Each alert has 'fingerprint', 'labels' and 'startsAt'.", path);
                }

                var resolved = alert.TryGetProperty("status", out var status) && status.GetString() == "resolved";
                DateTimeOffset? endsAt = alert.TryGetProperty("endsAt", out var endsAtText) && endsAtText.TryGetDateTimeOffset(out var end) && end.Year > 1 ? end : null;
                var row = await database.MonitoringAlerts.SingleOrDefaultAsync(a => a.Fingerprint == fingerprint.GetString() && a.StartsAt == startsAt, cancellationToken);
                if (row is null)
                {
                    row = new MonitoringAlert
                    {
                        Fingerprint = fingerprint.GetString()!,
                        AlertName = Label(labels, "alertname") ?? "(unnamed)",
                        Labels = labels.GetRawText(),
                        Annotations = alert.TryGetProperty("annotations", out var annotations) ? annotations.GetRawText() : "{}",
                        StartsAt = startsAt,
                    };
                    database.MonitoringAlerts.Add(row);
                }

                row.Status = resolved ? AlertStatus.Resolved : AlertStatus.Firing;
                row.Severity = Label(labels, "severity");
                row.ModelName = Label(labels, "model");
                row.EndsAt = resolved ? endsAt : null;
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

    private static string? Label(JsonElement labels, string name) =>
        labels.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
