using Drift.Service.Feedback;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Monitoring.Data;
using Monitoring.Data.Registry;
using Monitoring.Data.Training;

namespace Drift.Service.Evaluation;

/// <summary>
/// When a model is retrained: dataset drift in <see cref="DriftServiceOptions.ConsecutiveDriftEvaluations"/>
/// consecutive evaluations of its champion, its performance over at least
/// <see cref="DriftServiceOptions.MinFeedbackForPerformance"/> labels worse than the configured limit, or one of its
/// quiet online detectors in drift. Never within <see cref="DriftServiceOptions.Cooldown"/> of the model's last job,
/// read from <c>training_jobs</c> so it holds across restarts; the queue itself never holds two open jobs per model.
/// </summary>
public sealed partial class RetrainingPolicy(DetectorRegistry detectors, IOptions<DriftServiceOptions> options, ILogger<RetrainingPolicy> logger)
{
    /// <summary>Why the model should be retrained now, or null. <paramref name="report"/> is not stored yet.</summary>
    public async Task<string?> ReasonAsync(ModelDbContext database, EvaluationReport report, ModelTask task, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        string? reason = null;
        if (report.Drift.DatasetDrift)
        {
            var needed = settings.ConsecutiveDriftEvaluations - 1;
            List<bool> previous = needed == 0 ? [] : await database.DriftReports.AsNoTracking()
                .Where(r => r.ModelName == report.Model && r.ModelVersion == report.Version)
                .OrderByDescending(r => r.CreatedAt)
                .Take(needed)
                .Select(r => r.DatasetDrift)
                .ToListAsync(cancellationToken);
            if (previous.Count == needed && previous.All(d => d))
            {
                var drifted = string.Join(", ", report.Drift.Features.Where(f => f.Drift).Select(f => f.Feature));
                reason = $"Dataset drift in {settings.ConsecutiveDriftEvaluations} consecutive evaluations (share {report.Drift.DriftShare:0.##}: {drifted}).";
            }
        }

        if (reason is null
            && settings.PerformanceLimit(task) is (var metric, var limit)
            && report.FeedbackCount >= settings.MinFeedbackForPerformance
            && report.Performance is { } performance
            && metric.ValueOf(performance) is { } value
            && double.IsFinite(value)
            && (metric.HigherIsBetter ? value < limit : value > limit))
        {
            reason = $"{metric.Name} {value:0.###} over {report.FeedbackCount} labels is {(metric.HigherIsBetter ? "under the floor" : "over the limit")} {limit:0.###}.";
        }

        if (detectors.TakeDriftSignal(report.Model) is { } detector && reason is null)
        {
            reason = $"The online detector {detector} signalled concept drift on the feedback stream.";
        }

        if (reason is null)
        {
            return null;
        }

        var since = report.WindowEnd - settings.Cooldown;
        if (await database.TrainingJobs.AsNoTracking().AnyAsync(j => j.ModelName == report.Model && j.CreatedAt >= since, cancellationToken))
        {
            LogCooldown(logger, report.Model, reason);
            return null;
        }

        return reason;
    }

    /// <summary>Applies the policy: queues one job (trigger drift) when it says so; returns the created job's id and reason.</summary>
    public async Task<string?> ApplyAsync(ModelDbContext database, EvaluationReport report, ModelTask task, CancellationToken cancellationToken)
    {
        if (await ReasonAsync(database, report, task, cancellationToken) is not { } reason)
        {
            return null;
        }

        var queued = await TrainingJobQueue.EnqueueAsync(database, report.Model, TrainingTrigger.Drift, reason, report.WindowEnd, cancellationToken: cancellationToken);
        if (!queued.Created)
        {
            return null;
        }

        LogRetrainingQueued(logger, report.Model, queued.Job.Id, reason);
        return $"{queued.Job.Id}: {reason}";
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Queued retraining of {Model} (job {Job}): {Reason}")]
    private static partial void LogRetrainingQueued(ILogger logger, string model, Guid job, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Retraining of {Model} is due ({Reason}) but the model had a job within the cooldown.")]
    private static partial void LogCooldown(ILogger logger, string model, string reason);
}
