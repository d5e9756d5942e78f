using System.Text.Json;
using Drift.Service.Evaluation;
using Drift.Service.Feedback;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Monitoring.Data;

namespace Drift.Service.Apis;

/// <summary>Drift reports, on-demand evaluation, performance, and the online detectors' state.</summary>
public static class DriftApi
{
    public const int MaxReports = 500;

    public static IEndpointRouteBuilder MapDriftApi(this IEndpointRouteBuilder endpoints)
    {
        var drift = endpoints.MapGroup("/drift").WithTags("Drift");
        drift.MapPost("/evaluate", EvaluateAsync).AddEndpointFilter<AdminApiKeyFilter>().WithName("EvaluateDrift");
        drift.MapGet("/reports", ReportsAsync).WithName("ListDriftReports");
        drift.MapGet("/status", StatusAsync).WithName("DriftStatus");
        drift.MapPost("/update", UpdateAsync).WithName("UpdateDetectors");
        drift.MapPost("/reset", ResetAsync).AddEndpointFilter<AdminApiKeyFilter>().WithName("ResetDetectors");
        endpoints.MapGet("/performance", PerformanceAsync).WithName("Performance").WithTags("Drift");
        return endpoints;
    }

    private static async Task<IResult> EvaluateAsync(string? model, string? window, string? path, DriftEvaluator evaluator, IOptions<DriftServiceOptions> options, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(model))
        {
            return ApiProblems.Unprocessable("'model' names the model to evaluate.", "model");
        }

        var span = options.Value.Window;
        if (!string.IsNullOrWhiteSpace(window) && !TryParseWindow(window, out span))
        {
            return ApiProblems.Unprocessable("'window' is a duration such as 15m, 1h, 24h or 7d.", "window");
        }

        EvaluationPath readPath;
        switch (path)
        {
            case null or "" or "auto":
                readPath = EvaluationPath.Auto;
                break;
            case "bins":
                readPath = EvaluationPath.Bins;
                break;
            case "raw":
                readPath = EvaluationPath.Raw;
                break;
            default:
                return ApiProblems.Unprocessable("'path' is auto (the default), bins or raw.", "path");
        }

        var report = await evaluator.EvaluateAsync(model, span, readPath, cancellationToken);
        return report is null
            ? ApiProblems.NotFound($"Model '{model}' has no champion with a reference profile to evaluate against.")
            : TypedResults.Ok(report);
    }

    private static async Task<IResult> ReportsAsync(string? model, int? limit, ModelDbContext database, CancellationToken cancellationToken)
    {
        if (limit is < 1 or > MaxReports)
        {
            return ApiProblems.Unprocessable($"'limit' is between 1 and {MaxReports}.", "limit");
        }

        var query = database.DriftReports.AsNoTracking();
        if (!string.IsNullOrWhiteSpace(model))
        {
            query = query.Where(r => r.ModelName == model);
        }

        var reports = await query.OrderByDescending(r => r.CreatedAt).ThenByDescending(r => r.Id).Take(limit ?? 20).ToListAsync(cancellationToken);
        return TypedResults.Ok(reports.Select(r => new
        {
            id = r.Id,
            model = r.ModelName,
            model_version = r.ModelVersion,
            window_start = r.WindowStart,
            window_end = r.WindowEnd,
            created_at = r.CreatedAt,
            samples = r.SampleCount,
            dataset_drift = r.DatasetDrift,
            drift_share = r.DriftShare,
            prediction_drift = r.PredictionDrift,
            details = JsonDocument.Parse(r.Details).RootElement.Clone(),
        }));
    }

    private static async Task<IResult> StatusAsync(string? model, DetectorRegistry detectors, ModelDbContext database, CancellationToken cancellationToken)
    {
        var last = await database.DriftReports.AsNoTracking()
            .Where(r => model == null || r.ModelName == model)
            .GroupBy(r => r.ModelName)
            .Select(g => g.OrderByDescending(r => r.CreatedAt).First())
            .ToListAsync(cancellationToken);
        return TypedResults.Ok(new
        {
            detectors = detectors.Snapshot(model),
            last_reports = last.Select(r => new { model = r.ModelName, model_version = r.ModelVersion, created_at = r.CreatedAt, dataset_drift = r.DatasetDrift, drift_share = r.DriftShare, prediction_drift = r.PredictionDrift, samples = r.SampleCount }),
        });
    }

    private static async Task<IResult> UpdateAsync(HttpContext context, DetectorRegistry detectors, IOptions<DriftServiceOptions> options, CancellationToken cancellationToken)
    {
        var (document, refusal) = await ApiRequests.ReadJsonAsync(context, options.Value, "Send the update as application/json.", cancellationToken);
        if (refusal is not null)
        {
            return refusal;
        }

        using (document)
        {
            var root = document!.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("prediction", out var prediction) || !root.TryGetProperty("actual", out var actual))
            {
                return ApiProblems.Unprocessable("The body is {\"model\"?, \"prediction\", \"actual\", \"proba\"?}.");
            }

            var model = DetectorRegistry.DefaultModel;
            if (root.TryGetProperty("model", out var name))
            {
                if (name.ValueKind != JsonValueKind.String || name.GetString() is not { Length: > 0 } named)
                {
                    return ApiProblems.Unprocessable("'model' is the name of a model.", "model");
                }

                model = named;
            }

            double error;
            var errorRate = true;
            if (prediction.ValueKind == JsonValueKind.Number && actual.ValueKind == JsonValueKind.Number && prediction.TryGetDouble(out var p) && actual.TryGetDouble(out var a) && double.IsFinite(p) && double.IsFinite(a))
            {
                // Numbers compare as labels when both are whole (a class id), else as a regression's absolute error.
                errorRate = p == Math.Floor(p) && a == Math.Floor(a) && Math.Abs(p) < 1e6;
                error = errorRate ? (p == a ? 0 : 1) : Math.Abs(p - a);
            }
            else if (prediction.ValueKind is JsonValueKind.String or JsonValueKind.Number && actual.ValueKind is JsonValueKind.String or JsonValueKind.Number)
            {
                error = string.Equals(Text(prediction), Text(actual), StringComparison.Ordinal) ? 0 : 1;
            }
            else
            {
                return ApiProblems.Unprocessable("'prediction' and 'actual' are labels (strings or whole numbers) or finite numbers.");
            }

            var states = await detectors.UpdateAsync(model, version: 0, error, errorRate, cancellationToken);
            return TypedResults.Ok(new { model, error, detectors = states });
        }
    }

    private static IResult ResetAsync(string? model, DetectorRegistry detectors)
    {
        detectors.Reset(model);
        return TypedResults.Ok(new { reset = model ?? "all" });
    }

    private static async Task<IResult> PerformanceAsync(string? model, ModelDbContext database, CancellationToken cancellationToken)
    {
        var last = await database.DriftReports.AsNoTracking()
            .Where(r => model == null || r.ModelName == model)
            .GroupBy(r => r.ModelName)
            .Select(g => g.OrderByDescending(r => r.CreatedAt).First())
            .ToListAsync(cancellationToken);
        if (model is not null && last.Count == 0)
        {
            return ApiProblems.NotFound($"Model '{model}' has not been evaluated yet.");
        }

        return TypedResults.Ok(last.Select(r =>
        {
            var details = JsonDocument.Parse(r.Details).RootElement;
            return new
            {
                model = r.ModelName,
                model_version = r.ModelVersion,
                window_start = r.WindowStart,
                window_end = r.WindowEnd,
                feedback = details.TryGetProperty("feedback", out var feedback) ? feedback.Clone() : default,
                real = details.TryGetProperty("performance", out var real) ? real.Clone() : default,
                estimated_accuracy = details.TryGetProperty("estimated_accuracy", out var estimated) ? estimated.Clone() : default,
            };
        }));
    }

    private static string Text(JsonElement value) => value.ValueKind == JsonValueKind.String ? value.GetString()! : value.GetRawText();

    /// <summary>Durations such as 30s, 15m, 1h, 7d.</summary>
    internal static bool TryParseWindow(string text, out TimeSpan window)
    {
        window = default;
        if (text.Length < 2 || !int.TryParse(text.AsSpan(0, text.Length - 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var amount) || amount <= 0)
        {
            return false;
        }

        window = text[^1] switch
        {
            's' => TimeSpan.FromSeconds(amount),
            'm' => TimeSpan.FromMinutes(amount),
            'h' => TimeSpan.FromHours(amount),
            'd' => TimeSpan.FromDays(amount),
            _ => TimeSpan.Zero,
        };
        return window > TimeSpan.Zero && window <= TimeSpan.FromDays(90);
    }
}
