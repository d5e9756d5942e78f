using System.Diagnostics;
using System.Text.Json;
using Drift.Service.Estimation;
using Drift.Service.Statistics;
using Drift.Service.Telemetry;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Monitoring.Data;
using Monitoring.Data.Drift;
using Monitoring.Data.Profiles;
using Monitoring.Data.Registry;
using Npgsql;

namespace Drift.Service.Evaluation;

/// <summary>
/// Evaluates one model's window against its champion's reference profile: per-feature and prediction drift from the
/// binned counts (or, for small windows, raw values), data quality, real performance from matched feedback, accuracy
/// estimated without labels; applies the retraining policy, stores the report and publishes the gauges.
/// </summary>
public sealed class DriftEvaluator(
    IServiceScopeFactory scopes,
    NpgsqlDataSource dataSource,
    DriftMetrics metrics,
    RetrainingPolicy policy,
    IOptions<DriftServiceOptions> options,
    TimeProvider time)
{
    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>Models that have a champion with a reference profile: what the loop evaluates.</summary>
    public async Task<IReadOnlyList<string>> EvaluableModelsAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var database = scope.ServiceProvider.GetRequiredService<ModelDbContext>();
        return await database.ModelVersions.AsNoTracking()
            .Where(v => v.Stage == ModelStage.Champion && v.ReferenceProfile != null)
            .Select(v => v.Model!.Name)
            .OrderBy(n => n)
            .ToListAsync(cancellationToken);
    }

    /// <summary>Evaluates <paramref name="model"/> over the last <paramref name="window"/>; null when it has no champion with a profile.</summary>
    public async Task<EvaluationReport?> EvaluateAsync(string model, TimeSpan window, EvaluationPath path = EvaluationPath.Auto, CancellationToken cancellationToken = default)
    {
        var started = Stopwatch.GetTimestamp();
        var settings = options.Value;
        await using var scope = scopes.CreateAsyncScope();
        var database = scope.ServiceProvider.GetRequiredService<ModelDbContext>();
        var champion = await database.ModelVersions.AsNoTracking()
            .Where(v => v.Model!.Name == model && v.Stage == ModelStage.Champion)
            .Select(v => new { v.Version, v.ReferenceProfile, v.Model!.Task })
            .SingleOrDefaultAsync(cancellationToken);
        if (champion?.ReferenceProfile is null || ReferenceProfile.FromJson(champion.ReferenceProfile) is not { } profile)
        {
            return null;
        }

        var end = time.GetUtcNow();
        var start = end - window;
        var thresholds = settings.Thresholds;
        var live = await WindowReader.ReadAsync(dataSource, model, champion.Version, start, end, cancellationToken);
        var drift = WindowComparison.Compare(profile, live.ToDictionary(p => p.Key, p => p.Value.Counts, StringComparer.Ordinal), thresholds);
        // Small windows are read row by row: exact tests, and rows the predictor has not binned yet (it stores a
        // minute's counts after the minute ends) are seen too. In Auto a window that turns out larger keeps its bins.
        var raw = false;
        if (path == EvaluationPath.Raw || (path == EvaluationPath.Auto && drift.Rows < settings.RawPathMaxSamples))
        {
            var maxRows = path == EvaluationPath.Raw ? (long?)null : settings.RawPathMaxSamples * 4L;
            if (await WithRawValuesAsync(drift, model, champion.Version, profile, start, end, thresholds, maxRows, cancellationToken) is { } exact)
            {
                drift = exact;
                raw = true;
            }
        }

        var (performance, feedback) = await PerformanceReader.ReadAsync(dataSource, model, champion.Version, champion.Task, start, end, cancellationToken);
        var estimate = live.TryGetValue(ReferenceProfile.ConfidenceOutput, out var confidence) ? ConfidenceBasedEstimator.Estimate(profile, confidence.Counts) : null;

        var report = new EvaluationReport(
            model,
            champion.Version,
            start,
            end,
            drift.Rows,
            raw ? "raw" : "bins",
            drift,
            DataQuality.From(drift.Features),
            performance,
            feedback,
            estimate,
            RetrainingQueued: null);
        report = report with { RetrainingQueued = await policy.ApplyAsync(database, report, champion.Task, cancellationToken) };

        database.DriftReports.Add(new DriftReport
        {
            ModelName = model,
            ModelVersion = champion.Version,
            WindowStart = start,
            WindowEnd = end,
            CreatedAt = end,
            SampleCount = report.Samples,
            DatasetDrift = drift.DatasetDrift,
            DriftShare = drift.DriftShare,
            PredictionDrift = drift.PredictionDrift,
            Details = JsonSerializer.Serialize(
                new
                {
                    path = report.Path,
                    drift,
                    quality = report.Quality,
                    performance = performance?.ToDictionary(),
                    feedback,
                    estimated_accuracy = report.EstimatedAccuracy,
                    estimate,
                    retraining = report.RetrainingQueued,
                },
                s_json),
        });
        await database.SaveChangesAsync(cancellationToken);
        metrics.Evaluated(report, Stopwatch.GetElapsedTime(started));
        return report;
    }

    /// <summary>
    /// The numeric features' results replaced by the exact ones on raw values; categorical features and outputs stay
    /// binned. Null when the log holds more than <paramref name="maxRows"/> rows for the window.
    /// </summary>
    private async Task<DatasetDriftResult?> WithRawValuesAsync(
        DatasetDriftResult binned, string model, int version, ReferenceProfile profile, DateTimeOffset start, DateTimeOffset end, DriftThresholds thresholds, long? maxRows, CancellationToken cancellationToken)
    {
        var (exact, rows) = await RawWindowReader.CompareAsync(dataSource, model, version, profile, start, end, thresholds, maxRows, cancellationToken);
        if (rows == 0 || (maxRows is { } limit && rows > limit))
        {
            return null;
        }

        var byName = exact.ToDictionary(f => f.Feature, StringComparer.Ordinal);
        var features = binned.Features.Select(f => byName.TryGetValue(f.Feature, out var e) ? e : f).ToList();
        return WindowComparison.Summarize(features, binned.Outputs, thresholds);
    }
}
