using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Monitoring.Data;
using Monitoring.Data.Database;
using Monitoring.Data.Registry;
using Monitoring.Data.Training;
using Training.Worker.Pipeline;
using Training.Worker.Telemetry;

namespace Training.Worker.Jobs;

/// <summary>
/// Claims jobs one at a time, renews the lease while the pipeline runs, and stores the result: the new version,
/// its promotion and the job's completion commit in one transaction, and only while this worker still holds the
/// lease, so each job promotes at most once however many workers run. A worker that stops mid-job leaves its lease
/// to expire; another worker then retries the job.
/// </summary>
internal sealed partial class TrainingJobRunner(
    IServiceScopeFactory scopes,
    ITrainingPipeline pipeline,
    ModelSchemaState schema,
    TrainingMetrics metrics,
    IOptions<TrainingWorkerOptions> options,
    TimeProvider time,
    ILogger<TrainingJobRunner> logger) : BackgroundService
{
    private readonly SemaphoreSlim _wake = new(0, int.MaxValue);

    public string WorkerId { get; } = options.Value.WorkerId is { Length: > 0 } id ? id : $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid().ToString("N")[..6]}";

    /// <summary>Jobs this runner finished (any outcome), for tests and diagnostics.</summary>
    public int Processed => _processed;

    private int _processed;

    /// <summary>Looks at the queue now instead of at the next poll (a job was just queued here).</summary>
    public void Wake() => _wake.Release();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await schema.WaitUntilCurrentAsync(stoppingToken);
        await RestoreLastSuccessAsync(stoppingToken);
        var settings = options.Value;
        while (!stoppingToken.IsCancellationRequested)
        {
            TrainingJob? job = null;
            try
            {
                await RefreshJobGaugeAsync(stoppingToken);
                await using (var scope = scopes.CreateAsyncScope())
                {
                    var store = scope.ServiceProvider.GetRequiredService<TrainingJobStore>();
                    job = await store.ClaimAsync(WorkerId, time.GetUtcNow(), settings.LeaseDuration, stoppingToken);
                }
            }
            catch (Exception exception) when (exception is Npgsql.NpgsqlException or TimeoutException or DbUpdateException && !stoppingToken.IsCancellationRequested)
            {
                LogQueueUnavailable(logger, exception);
            }

            if (job is null)
            {
                await _wake.WaitAsync(settings.PollInterval, stoppingToken);
                continue;
            }

            await RunAsync(job, stoppingToken);
            Interlocked.Increment(ref _processed);
        }
    }

    private async Task RunAsync(TrainingJob job, CancellationToken stoppingToken)
    {
        var settings = options.Value;
        LogClaimed(logger, job.Id, job.ModelName, job.Trigger, job.Attempts, job.MaxAttempts);
        using var leaseLost = new CancellationTokenSource();
        using var jobCancellation = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, leaseLost.Token);
        using var renewing = new CancellationTokenSource();
        var renewal = RenewLeaseAsync(job, leaseLost, renewing.Token);
        var started = Stopwatch.GetTimestamp();
        try
        {
            var candidate = await pipeline.TrainAsync(job, jobCancellation.Token);
            await renewing.CancelAsync();
            await renewal;
            await CommitAsync(job, candidate, Stopwatch.GetElapsedTime(started), stoppingToken);
        }
        catch (OperationCanceledException) when (jobCancellation.IsCancellationRequested)
        {
            // Stopping or the lease is gone: leave the job to whoever holds (or next claims) it.
            LogAbandoned(logger, job.Id, leaseLost.IsCancellationRequested ? "the lease was lost" : "the worker is stopping");
        }
        catch (Exception exception)
        {
            var permanent = exception is TrainingRejectedException;
            await FailAsync(job, exception, permanent, Stopwatch.GetElapsedTime(started), stoppingToken);
        }
        finally
        {
            await renewing.CancelAsync();
            await renewal;
        }
    }

    private async Task RenewLeaseAsync(TrainingJob job, CancellationTokenSource leaseLost, CancellationToken stop)
    {
        var settings = options.Value;
        try
        {
            using var timer = new PeriodicTimer(settings.LeaseDuration / 3, time);
            while (await timer.WaitForNextTickAsync(stop))
            {
                try
                {
                    await using var scope = scopes.CreateAsyncScope();
                    var store = scope.ServiceProvider.GetRequiredService<TrainingJobStore>();
                    if (!await store.RenewAsync(job.Id, WorkerId, time.GetUtcNow(), settings.LeaseDuration, stop))
                    {
                        LogLeaseLost(logger, job.Id);
                        await leaseLost.CancelAsync();
                        return;
                    }
                }
                catch (Exception exception) when (exception is Npgsql.NpgsqlException or TimeoutException)
                {
                    // The lease may still be valid; keep trying until it is known to be lost.
                    LogRenewFailed(logger, exception, job.Id);
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
    }

    private async Task CommitAsync(TrainingJob job, TrainingCandidate candidate, TimeSpan elapsed, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        await using var scope = scopes.CreateAsyncScope();
        var database = scope.ServiceProvider.GetRequiredService<ModelDbContext>();
        var store = scope.ServiceProvider.GetRequiredService<TrainingJobStore>();
        await using var transaction = await database.Database.BeginTransactionAsync(cancellationToken);
        var model = await RegistryWrites.LockModelAsync(database, job.ModelName, candidate.Task, now, description: null, cancellationToken);
        var version = await CandidateStore.StoreAsync(database, model, candidate, job.Id, now, cancellationToken);
        var status = candidate.Decision.Promote ? TrainingJobStatus.Succeeded : TrainingJobStatus.Rejected;
        if (!await store.FinishAsync(job.Id, WorkerId, status, version.Version, candidate.DetailsJson, now, cancellationToken))
        {
            // Another worker owns the job now: nothing of this run is kept.
            await transaction.RollbackAsync(cancellationToken);
            LogLeaseLost(logger, job.Id);
            return;
        }

        await transaction.CommitAsync(cancellationToken);
        metrics.RunFinished(job.ModelName, status, job.Trigger, elapsed);
        metrics.Promotion(job.ModelName, candidate.Decision.Promote);
        metrics.Succeeded(job.ModelName, now);
        LogFinished(logger, job.Id, job.ModelName, version.Version, candidate.Decision.Promote ? "promoted" : "kept the champion", candidate.Decision.Reason);
    }

    private async Task FailAsync(TrainingJob job, Exception exception, bool permanent, TimeSpan elapsed, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var backoff = TimeSpan.FromTicks(Math.Min(settings.MaxRetryBackoff.Ticks, settings.RetryBackoff.Ticks * (1L << Math.Min(job.Attempts - 1, 20))));
        LogFailed(logger, exception, job.Id, job.ModelName, job.Attempts, job.MaxAttempts);
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var store = scope.ServiceProvider.GetRequiredService<TrainingJobStore>();
            var error = $"{exception.GetType().Name}: {exception.Message}";
            if (permanent)
            {
                await store.FinishAsync(job.Id, WorkerId, TrainingJobStatus.Failed, null, System.Text.Json.JsonSerializer.Serialize(new { error }), time.GetUtcNow(), cancellationToken);
                await SetErrorAsync(scope, job.Id, error, cancellationToken);
            }
            else
            {
                await store.FailAsync(job.Id, WorkerId, error, backoff, time.GetUtcNow(), cancellationToken);
            }

            metrics.RunFinished(job.ModelName, TrainingJobStatus.Failed, job.Trigger, elapsed);
        }
        catch (Exception storeException) when (storeException is Npgsql.NpgsqlException or TimeoutException)
        {
            // The lease will expire and the job will be retried (or failed once out of attempts).
            LogQueueUnavailable(logger, storeException);
        }
    }

    private static Task SetErrorAsync(AsyncServiceScope scope, Guid job, string error, CancellationToken cancellationToken) =>
        scope.ServiceProvider.GetRequiredService<ModelDbContext>().Database
            .ExecuteSqlAsync($"UPDATE training_jobs SET error = {error} WHERE id = {job}", cancellationToken);

    /// <summary>The last successful run per model survives restarts, so "no training in 24 h" alerts stay true.</summary>
    private async Task RestoreLastSuccessAsync(CancellationToken cancellationToken)
    {
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var database = scope.ServiceProvider.GetRequiredService<ModelDbContext>();
            var last = await database.TrainingJobs.AsNoTracking()
                .Where(j => (j.Status == TrainingJobStatus.Succeeded || j.Status == TrainingJobStatus.Rejected) && j.FinishedAt != null)
                .GroupBy(j => j.ModelName)
                .Select(g => new { Model = g.Key, At = g.Max(j => j.FinishedAt) })
                .ToListAsync(cancellationToken);
            foreach (var entry in last)
            {
                metrics.Succeeded(entry.Model, entry.At!.Value);
            }
        }
        catch (Exception exception) when (exception is Npgsql.NpgsqlException or TimeoutException && !cancellationToken.IsCancellationRequested)
        {
            LogQueueUnavailable(logger, exception);
        }
    }

    private async Task RefreshJobGaugeAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var (queued, running) = await scope.ServiceProvider.GetRequiredService<TrainingJobStore>().CountOpenAsync(cancellationToken);
        metrics.Jobs(queued, running);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Claimed job {Job} ({Model}, {Trigger}), attempt {Attempt} of {MaxAttempts}.")]
    private static partial void LogClaimed(ILogger logger, Guid job, string model, TrainingTrigger trigger, int attempt, int maxAttempts);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {Job} ({Model}) stored version {Version} and {Outcome}: {Reason}")]
    private static partial void LogFinished(ILogger logger, Guid job, string model, int version, string outcome, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Job {Job} ({Model}) failed on attempt {Attempt} of {MaxAttempts}.")]
    private static partial void LogFailed(ILogger logger, Exception exception, Guid job, string model, int attempt, int maxAttempts);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Left job {Job}: {Why}.")]
    private static partial void LogAbandoned(ILogger logger, Guid job, string why);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Lost the lease on job {Job}; another worker has it.")]
    private static partial void LogLeaseLost(ILogger logger, Guid job);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not renew the lease on job {Job}; retrying.")]
    private static partial void LogRenewFailed(ILogger logger, Exception exception, Guid job);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The job queue is unavailable; retrying.")]
    private static partial void LogQueueUnavailable(ILogger logger, Exception exception);
}
