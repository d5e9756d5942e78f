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
using Monitoring.Data.Training;
using Npgsql;

namespace Drift.Service.Evaluation;

/// <summary>
/// Evaluates one model's window against its champion's reference profile: per-feature and prediction drift from the
/// binned counts, data quality, real performance from matched feedback, accuracy estimated without labels; stores the
/// report, publishes the gauges, and applies the retraining policy.
/// </summary>
public sealed partial class DriftEvaluator(
    IServiceScopeFactory scopes,
    NpgsqlDataSource dataSource,
    DriftMetrics metrics,
    Feedback.DetectorRegistry detectors,
    IOptions<DriftServiceOptions> options,
    TimeProvider time,
    ILogger<DriftEvaluator> logger)
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
    public async Task<EvaluationReport?> EvaluateAsync(string model, TimeSpan window, CancellationToken cancellationToken)
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
        var live = await WindowReader.ReadAsync(dataSource, model, champion.Version, start, end, cancellationToken);
        var drift = WindowComparison.Compare(profile, live.ToDictionary(p => p.Key, p => p.Value.Counts, StringComparer.Ordinal), settings.Thresholds());
        var quality = Quality(profile, live);
        var samples = live.Values.Select(w => w.Counts.Counts.Sum() + w.Counts.Missing).DefaultIfEmpty(0).Max();
        var (performance, feedback) = await PerformanceReader.ReadAsync(dataSource, model, champion.Version, champion.Task, start, end, cancellationToken);
        var estimated = live.TryGetValue(ReferenceProfile.ConfidenceOutput, out var confidence) ? ConfidenceBasedEstimator.Estimate(profile, confidence.Counts)?.ExpectedAccuracy : null;

        var report = new EvaluationReport(model, champion.Version, start, end, samples, drift, quality, performance, feedback, estimated, RetrainingQueued: null);
        var reason = await RetrainingReasonAsync(database, report, settings, cancellationToken);
        if (reason is not null)
        {
            var queued = await TrainingJobQueue.EnqueueAsync(database, model, TrainingTrigger.Drift, reason, end, cancellationToken: cancellationToken);
            report = report with { RetrainingQueued = queued.Created ? $"{queued.Job.Id}: {reason}" : null };
            if (queued.Created)
            {
                LogRetrainingQueued(logger, model, queued.Job.Id, reason);
            }
        }

        database.DriftReports.Add(new DriftReport
        {
            ModelName = model,
            ModelVersion = champion.Version,
            WindowStart = start,
            WindowEnd = end,
            CreatedAt = end,
            SampleCount = samples,
            DatasetDrift = drift.DatasetDrift,
            DriftShare = drift.DriftShare,
            PredictionDrift = drift.PredictionDrift,
            Details = JsonSerializer.Serialize(new
            {
                drift,
                quality,
                performance = performance?.ToDictionary(),
                feedback,
                estimated_accuracy = estimated,
                retraining = report.RetrainingQueued,
            }, s_json),
        });
        await database.SaveChangesAsync(cancellationToken);
        metrics.Evaluated(report, Stopwatch.GetElapsedTime(started));
        return report;
    }

    /// <summary>
    /// Score = mean over features of completeness × (1 − out-of-reference share): 1 for a window as complete and
    /// in-range as can be, falling with every missing or unseen value.
    /// </summary>
    private static DataQuality Quality(ReferenceProfile profile, Dictionary<string, WindowReader.FeatureWindow> live)
    {
        var features = new List<FeatureQuality>();
        foreach (var feature in profile.Features)
        {
            if (!live.TryGetValue(feature.Name, out var window))
            {
                continue;
            }

            var present = window.Counts.Counts.Sum();
            var total = present + window.Counts.Missing;
            var completeness = total == 0 ? 1 : (double)present / total;
            var outOfRangeShare = present == 0 ? 0 : (double)window.OutOfRange / present;
            features.Add(new FeatureQuality(feature.Name, completeness, window.OutOfRange, outOfRangeShare));
        }

        var score = features.Count == 0 ? 1 : features.Average(f => f.Completeness * (1 - f.OutOfRangeShare));
        return new DataQuality(score, features);
    }

    /// <summary>The policy: dataset drift in K consecutive evaluations, accuracy under the floor, or a detector in drift;
    /// never within the cooldown.</summary>
    private async Task<string?> RetrainingReasonAsync(ModelDbContext database, EvaluationReport report, DriftServiceOptions settings, CancellationToken cancellationToken)
    {
        string? reason = null;
        if (report.Drift.DatasetDrift)
        {
            var previous = await database.DriftReports.AsNoTracking()
                .Where(r => r.ModelName == report.Model && r.ModelVersion == report.Version)
                .OrderByDescending(r => r.CreatedAt)
                .Take(settings.ConsecutiveDriftEvaluations - 1)
                .Select(r => r.DatasetDrift)
                .ToListAsync(cancellationToken);
            if (previous.Count == settings.ConsecutiveDriftEvaluations - 1 && previous.All(d => d))
            {
                var drifted = string.Join(", ", report.Drift.Features.Where(f => f.Drift).Select(f => f.Feature));
                reason = $"Dataset drift in {settings.ConsecutiveDriftEvaluations} consecutive evaluations (share {report.Drift.DriftShare:0.##}: {drifted}).";
            }
        }

        if (reason is null && settings.AccuracyFloor > 0 && report.FeedbackCount >= settings.MinimumFeedback && report.Performance?.Accuracy is { } accuracy && accuracy < settings.AccuracyFloor)
        {
            reason = $"Accuracy {accuracy:0.###} over {report.FeedbackCount} labels is under the floor {settings.AccuracyFloor:0.###}.";
        }

        if (reason is null && detectors.InDrift(report.Model))
        {
            reason = "An online concept-drift detector signalled drift on the feedback stream.";
        }

        return reason is null || await InCooldownAsync(database, report.Model, report.WindowEnd - settings.RetrainCooldown, cancellationToken) ? null : reason;
    }

    /// <summary>A job for the model created since <paramref name="since"/>: read from the queue, so it holds across restarts.</summary>
    internal static Task<bool> InCooldownAsync(ModelDbContext database, string model, DateTimeOffset since, CancellationToken cancellationToken) =>
        database.TrainingJobs.AsNoTracking().AnyAsync(j => j.ModelName == model && j.CreatedAt >= since, cancellationToken);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Queued retraining of {Model} (job {Job}): {Reason}")]
    private static partial void LogRetrainingQueued(ILogger logger, string model, Guid job, string reason);
}
