using Microsoft.EntityFrameworkCore;
using Monitoring.Data.Registry;

namespace Monitoring.Data.Training;

/// <summary>The result of asking for a training job: the job, and whether it was created or one was already open.</summary>
public sealed record EnqueuedJob(TrainingJob Job, bool Created);

/// <summary>
/// Puts training jobs on the PostgreSQL queue that Training.Worker claims. Used by the worker's own API and by the
/// drift service's retraining policy, so both create jobs the same way.
/// </summary>
public static class TrainingJobQueue
{
    public const int DefaultMaxAttempts = 3;

    /// <summary>
    /// Queues a job for <paramref name="model"/> unless one is already queued or running for it (then that one is
    /// returned): a burst of drift signals makes one retrain, not many. A transaction-scoped advisory lock on the
    /// model name makes the check-then-insert safe across processes.
    /// </summary>
    public static async Task<EnqueuedJob> EnqueueAsync(
        ModelDbContext database,
        string model,
        TrainingTrigger trigger,
        string reason,
        DateTimeOffset now,
        int maxAttempts = DefaultMaxAttempts,
        CancellationToken cancellationToken = default) =>
        (await EnqueueCoreAsync(database, model, trigger, reason, now, maxAttempts, unlessChampion: false, cancellationToken))!;

    /// <summary>
    /// Queues the first training of <paramref name="model"/>, as <see cref="EnqueueAsync"/> does, except that nothing is
    /// queued (null) once the model has a champion. Both checks run under the model's lock, the open job first: a job
    /// promotes its champion in the transaction that ends it, so a job that ends between the two checks has a champion
    /// the second one sees. Two workers bootstrapping the same models therefore never train one twice.
    /// </summary>
    public static Task<EnqueuedJob?> EnqueueFirstTrainingAsync(
        ModelDbContext database,
        string model,
        string reason,
        DateTimeOffset now,
        int maxAttempts = DefaultMaxAttempts,
        CancellationToken cancellationToken = default) =>
        EnqueueCoreAsync(database, model, TrainingTrigger.Bootstrap, reason, now, maxAttempts, unlessChampion: true, cancellationToken);

    private static async Task<EnqueuedJob?> EnqueueCoreAsync(
        ModelDbContext database,
        string model,
        TrainingTrigger trigger,
        string reason,
        DateTimeOffset now,
        int maxAttempts,
        bool unlessChampion,
        CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(model);
        await using var transaction = await database.Database.BeginTransactionAsync(cancellationToken);
        await database.Database.ExecuteSqlInterpolatedAsync($"SELECT pg_advisory_xact_lock(hashtext({"training_jobs:" + model}))", cancellationToken);

        var open = await database.TrainingJobs
            .Where(j => j.ModelName == model && (j.Status == TrainingJobStatus.Queued || j.Status == TrainingJobStatus.Running))
            .OrderBy(j => j.CreatedAt)
            .FirstOrDefaultAsync(cancellationToken);
        if (open is not null)
        {
            await transaction.CommitAsync(cancellationToken);
            return new EnqueuedJob(open, Created: false);
        }

        if (unlessChampion && await database.ModelVersions.AnyAsync(v => v.Model!.Name == model && v.Stage == ModelStage.Champion, cancellationToken))
        {
            await transaction.CommitAsync(cancellationToken);
            return null;
        }

        var job = new TrainingJob
        {
            Id = Guid.CreateVersion7(now),
            ModelName = model,
            Trigger = trigger,
            Reason = reason,
            Status = TrainingJobStatus.Queued,
            MaxAttempts = maxAttempts,
            NotBefore = now,
            CreatedAt = now,
        };
        database.TrainingJobs.Add(job);
        await database.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return new EnqueuedJob(job, Created: true);
    }
}
