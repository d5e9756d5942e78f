using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Monitoring.Data;
using Monitoring.Data.Database;
using Monitoring.Data.Registry;
using Monitoring.Data.Training;

namespace Training.Worker.Jobs;

/// <summary>
/// With <see cref="TrainingWorkerOptions.ScheduleInterval"/> set, queues a <c>schedule</c> job for every model that has
/// a champion, each interval. The queue keeps one open job per model, so several workers (each running this) or a
/// slow run never pile jobs up.
/// </summary>
internal sealed partial class ScheduleService(
    IServiceScopeFactory scopes,
    ModelSchemaState schema,
    TrainingJobRunner runner,
    IOptions<TrainingWorkerOptions> options,
    TimeProvider time,
    ILogger<ScheduleService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (options.Value.ScheduleInterval is not { } interval || interval <= TimeSpan.Zero)
        {
            return;
        }

        await schema.WaitUntilCurrentAsync(stoppingToken);
        using var timer = new PeriodicTimer(interval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                var database = scope.ServiceProvider.GetRequiredService<ModelDbContext>();
                var models = await database.ModelVersions.AsNoTracking().Where(v => v.Stage == ModelStage.Champion).Select(v => v.Model!.Name).ToListAsync(stoppingToken);
                foreach (var model in models)
                {
                    var queued = await TrainingJobQueue.EnqueueAsync(database, model, TrainingTrigger.Schedule, $"Scheduled retrain (every {interval}).", time.GetUtcNow(), options.Value.MaxAttempts, stoppingToken);
                    if (queued.Created)
                    {
                        LogScheduled(logger, model, queued.Job.Id);
                    }
                }

                runner.Wake();
            }
            catch (Exception exception) when (exception is Npgsql.NpgsqlException or TimeoutException && !stoppingToken.IsCancellationRequested)
            {
                LogRetry(logger, exception);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Scheduled a retrain of {Model}: job {Job}.")]
    private static partial void LogScheduled(ILogger logger, string model, Guid job);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not queue the scheduled retrains; the next tick retries.")]
    private static partial void LogRetry(ILogger logger, Exception exception);
}
