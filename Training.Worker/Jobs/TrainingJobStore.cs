using Microsoft.EntityFrameworkCore;
using Monitoring.Data;
using Monitoring.Data.Training;

namespace Training.Worker.Jobs;

/// <summary>
/// The queue's state changes, each one SQL statement: claim with <c>FOR UPDATE SKIP LOCKED</c> and a lease, renew
/// the lease, finish, or fail with backoff. Every change after the claim requires the caller to still hold the
/// lease, so a worker that lost it (paused, partitioned) can never overwrite the work of the one that took over.
/// </summary>
public sealed class TrainingJobStore(ModelDbContext database)
{
    /// <summary>
    /// Claims the oldest due job: a queued one, or a running one whose lease expired (its worker died). A job that
    /// has used all its attempts is failed instead of claimed again.
    /// </summary>
    public async Task<TrainingJob?> ClaimAsync(string worker, DateTimeOffset now, TimeSpan lease, CancellationToken cancellationToken)
    {
        await FailExhaustedAsync(now, cancellationToken);
        var expires = now + lease;
        var claimed = await database.TrainingJobs.FromSql($"""
            UPDATE training_jobs SET
                status = 'running', lease_owner = {worker}, lease_expires_at = {expires},
                attempts = attempts + 1, started_at = {now}, error = NULL
            WHERE id = (
                SELECT id FROM training_jobs
                WHERE not_before <= {now}
                  AND (status = 'queued' OR (status = 'running' AND lease_expires_at < {now}))
                  AND attempts < max_attempts
                ORDER BY not_before, created_at
                FOR UPDATE SKIP LOCKED
                LIMIT 1)
            RETURNING *
            """).AsNoTracking().ToListAsync(cancellationToken);
        return claimed.SingleOrDefault();
    }

    /// <summary>Extends the lease; false when this worker no longer holds it.</summary>
    public async Task<bool> RenewAsync(Guid job, string worker, DateTimeOffset now, TimeSpan lease, CancellationToken cancellationToken)
    {
        var expires = now + lease;
        var updated = await database.Database.ExecuteSqlAsync($"""
            UPDATE training_jobs SET lease_expires_at = {expires}
            WHERE id = {job} AND lease_owner = {worker} AND status = 'running'
            """, cancellationToken);
        return updated == 1;
    }

    /// <summary>
    /// Marks the job finished (succeeded or rejected) if this worker still holds it; false otherwise. Runs in the
    /// caller's transaction when there is one, so the version it stored commits only together with the job.
    /// </summary>
    public async Task<bool> FinishAsync(Guid job, string worker, TrainingJobStatus status, int? resultVersion, string details, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var statusText = status.ToString().ToLowerInvariant();
        var updated = await database.Database.ExecuteSqlAsync($"""
            UPDATE training_jobs SET status = {statusText}, result_version = {resultVersion}, details = {details}::jsonb,
                finished_at = {now}, lease_owner = NULL, lease_expires_at = NULL
            WHERE id = {job} AND lease_owner = {worker} AND status = 'running'
            """, cancellationToken);
        return updated == 1;
    }

    /// <summary>
    /// Records a failed attempt: back in the queue after <paramref name="backoff"/> while attempts remain, else failed
    /// for good. The error is kept either way.
    /// </summary>
    public async Task<bool> FailAsync(Guid job, string worker, string error, TimeSpan backoff, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var retryAt = now + backoff;
        var updated = await database.Database.ExecuteSqlAsync($"""
            UPDATE training_jobs SET
                status = CASE WHEN attempts < max_attempts THEN 'queued' ELSE 'failed' END,
                not_before = CASE WHEN attempts < max_attempts THEN {retryAt} ELSE not_before END,
                finished_at = CASE WHEN attempts < max_attempts THEN NULL ELSE {now} END,
                error = {error}, lease_owner = NULL, lease_expires_at = NULL
            WHERE id = {job} AND lease_owner = {worker} AND status = 'running'
            """, cancellationToken);
        return updated == 1;
    }

    /// <summary>Jobs whose worker died on the last attempt: failed, with the reason.</summary>
    private Task<int> FailExhaustedAsync(DateTimeOffset now, CancellationToken cancellationToken) =>
        database.Database.ExecuteSqlAsync($"""
            UPDATE training_jobs SET status = 'failed', finished_at = {now},
                error = coalesce(error, 'The worker running the last attempt stopped renewing its lease.'),
                lease_owner = NULL, lease_expires_at = NULL
            WHERE status = 'running' AND lease_expires_at < {now} AND attempts >= max_attempts
            """, cancellationToken);

    /// <summary>Queued and running jobs, for the <c>ml.training.jobs</c> gauge.</summary>
    public async Task<(int Queued, int Running)> CountOpenAsync(CancellationToken cancellationToken)
    {
        var counts = await database.TrainingJobs.AsNoTracking()
            .Where(j => j.Status == TrainingJobStatus.Queued || j.Status == TrainingJobStatus.Running)
            .GroupBy(j => j.Status)
            .Select(g => new { g.Key, Count = g.Count() })
            .ToListAsync(cancellationToken);
        return (counts.FirstOrDefault(c => c.Key == TrainingJobStatus.Queued)?.Count ?? 0, counts.FirstOrDefault(c => c.Key == TrainingJobStatus.Running)?.Count ?? 0);
    }
}
