extern alias training;

using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Monitoring.Data;
using Monitoring.Data.Registry;
using Monitoring.Data.Training;
using Monitoring.Testing;
using training::Training.Worker.Jobs;

namespace Training.Worker.Tests.Jobs;

/// <summary>The job queue's SQL against a real PostgreSQL: claims, leases, retries and the open-job rule.</summary>
public sealed class TrainingJobStoreTests(PostgresFixture postgres) : IAsyncLifetime
{
    private static readonly DateTimeOffset s_now = new(2026, 11, 22, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan s_lease = TimeSpan.FromSeconds(30);
    private string _connectionString = "";

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _connectionString = await postgres.CreateDatabaseAsync($"jobs_{Guid.NewGuid():N}"[..30], Cancellation);
        await using var database = Open();
        await database.Database.MigrateAsync(Cancellation);
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private ModelDbContext Open() => new(new DbContextOptionsBuilder<ModelDbContext>().UseNpgsql(_connectionString).Options);

    private async Task<Guid> QueueAsync(string model, DateTimeOffset? at = null, int maxAttempts = 3)
    {
        await using var database = Open();
        return (await TrainingJobQueue.EnqueueAsync(database, model, TrainingTrigger.Manual, "test", at ?? s_now, maxAttempts, Cancellation)).Job.Id;
    }

    private async Task<TrainingJob> JobAsync(Guid id)
    {
        await using var database = Open();
        return await database.TrainingJobs.AsNoTracking().SingleAsync(j => j.Id == id, Cancellation);
    }

    [Fact]
    public async Task Two_workers_racing_over_the_queue_claim_every_job_exactly_once()
    {
        var queued = new HashSet<Guid>();
        for (var i = 0; i < 40; i++)
        {
            queued.Add(await QueueAsync($"model-{i}", s_now.AddMilliseconds(i)));
        }

        var claims = new ConcurrentBag<(string Worker, Guid Job)>();
        async Task WorkAsync(string worker)
        {
            while (true)
            {
                await using var database = Open();
                var store = new TrainingJobStore(database);
                var job = await store.ClaimAsync(worker, s_now.AddSeconds(1), s_lease, Cancellation);
                if (job is null)
                {
                    return;
                }

                claims.Add((worker, job.Id));
                Assert.True(await store.FinishAsync(job.Id, worker, TrainingJobStatus.Succeeded, 1, "{}", s_now.AddSeconds(2), Cancellation));
            }
        }

        await Task.WhenAll(WorkAsync("a"), WorkAsync("b"), WorkAsync("c"));

        Assert.Equal(queued.Count, claims.Count);
        Assert.Equal(queued, claims.Select(c => c.Job).ToHashSet());
        Assert.True(claims.Select(c => c.Worker).Distinct().Count() > 1, "the work was shared");
    }

    [Fact]
    public async Task A_job_whose_worker_stopped_renewing_is_claimed_by_another_after_the_lease()
    {
        var id = await QueueAsync("credit");
        await using var database = Open();
        var store = new TrainingJobStore(database);

        var first = await store.ClaimAsync("dies", s_now, s_lease, Cancellation);
        Assert.Equal(id, first!.Id);
        Assert.Null(await store.ClaimAsync("other", s_now.AddSeconds(10), s_lease, Cancellation));

        var retried = await store.ClaimAsync("other", s_now + s_lease + TimeSpan.FromSeconds(1), s_lease, Cancellation);

        Assert.Equal(id, retried!.Id);
        Assert.Equal(2, retried.Attempts);
        Assert.Equal("other", retried.LeaseOwner);
        // The first worker wakes up: it can neither renew nor finish the job any more.
        Assert.False(await store.RenewAsync(id, "dies", s_now + s_lease * 2, s_lease, Cancellation));
        Assert.False(await store.FinishAsync(id, "dies", TrainingJobStatus.Succeeded, 7, "{}", s_now + s_lease * 2, Cancellation));
        Assert.True(await store.FinishAsync(id, "other", TrainingJobStatus.Succeeded, 1, "{}", s_now + s_lease * 2, Cancellation));
        Assert.Equal(1, (await JobAsync(id)).ResultVersion);
    }

    [Fact]
    public async Task A_failed_attempt_waits_out_its_backoff_and_the_last_failure_keeps_the_error()
    {
        var id = await QueueAsync("credit", maxAttempts: 2);
        await using var database = Open();
        var store = new TrainingJobStore(database);

        await store.ClaimAsync("w", s_now, s_lease, Cancellation);
        Assert.True(await store.FailAsync(id, "w", "first error", TimeSpan.FromMinutes(1), s_now, Cancellation));
        Assert.Equal(TrainingJobStatus.Queued, (await JobAsync(id)).Status);
        Assert.Null(await store.ClaimAsync("w", s_now.AddSeconds(30), s_lease, Cancellation));

        var second = await store.ClaimAsync("w", s_now.AddMinutes(2), s_lease, Cancellation);
        Assert.Equal(2, second!.Attempts);
        Assert.True(await store.FailAsync(id, "w", "second error", TimeSpan.FromMinutes(1), s_now.AddMinutes(2), Cancellation));

        var failed = await JobAsync(id);
        Assert.Equal(TrainingJobStatus.Failed, failed.Status);
        Assert.Equal("second error", failed.Error);
        Assert.NotNull(failed.FinishedAt);
        Assert.Null(await store.ClaimAsync("w", s_now.AddHours(1), s_lease, Cancellation));
    }

    [Fact]
    public async Task A_job_abandoned_on_its_last_attempt_fails_with_a_reason_instead_of_running_forever()
    {
        var id = await QueueAsync("credit", maxAttempts: 1);
        await using var database = Open();
        var store = new TrainingJobStore(database);
        await store.ClaimAsync("dies", s_now, s_lease, Cancellation);

        Assert.Null(await store.ClaimAsync("other", s_now + s_lease * 2, s_lease, Cancellation));

        var job = await JobAsync(id);
        Assert.Equal(TrainingJobStatus.Failed, job.Status);
        Assert.Contains("lease", job.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Queueing_while_a_job_is_open_returns_that_job_instead_of_a_second_one()
    {
        var first = await QueueAsync("credit");
        var second = await QueueAsync("credit", s_now.AddMinutes(1));
        var other = await QueueAsync("prices");

        Assert.Equal(first, second);
        Assert.NotEqual(first, other);
        await using var database = Open();
        Assert.Equal(2, await database.TrainingJobs.CountAsync(Cancellation));
    }

    [Fact]
    public async Task A_first_training_is_queued_only_while_the_model_has_neither_an_open_job_nor_a_champion()
    {
        async Task<EnqueuedJob?> BootstrapAsync()
        {
            await using var database = Open();
            return await TrainingJobQueue.EnqueueFirstTrainingAsync(database, "credit", "test", s_now, cancellationToken: Cancellation);
        }

        var first = await BootstrapAsync();
        Assert.True(first is { Created: true, Job.Trigger: TrainingTrigger.Bootstrap });
        Assert.True(await BootstrapAsync() is { Created: false } again && again.Job.Id == first.Job.Id);

        // What the worker's commit does in one transaction: the job ends and its version becomes the champion.
        await using (var database = Open())
        {
            var job = await database.TrainingJobs.SingleAsync(Cancellation);
            job.Status = TrainingJobStatus.Succeeded;
            database.ModelVersions.Add(new ModelVersion
            {
                Model = new RegisteredModel { Name = "credit", CreatedAt = s_now },
                Version = 1,
                Stage = ModelStage.Champion,
                Sha256 = new string('0', 64),
                FeatureSchema = "{}",
                Algorithm = "logistic_regression",
                TrainingJobId = job.Id,
                CreatedAt = s_now,
            });
            await database.SaveChangesAsync(Cancellation);
        }

        Assert.Null(await BootstrapAsync());
        await using var check = Open();
        Assert.Equal(1, await check.TrainingJobs.CountAsync(Cancellation));
    }
}
