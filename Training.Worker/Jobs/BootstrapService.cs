using Microsoft.Extensions.Options;
using Monitoring.Data;
using Monitoring.Data.Database;
using Monitoring.Data.Training;

namespace Training.Worker.Jobs;

/// <summary>
/// At start, queues a bootstrap job for every configured model that has no champion (at most one open job per
/// model: a restart does not queue another).
/// </summary>
internal sealed partial class BootstrapService(
    IServiceScopeFactory scopes,
    ModelSchemaState schema,
    TrainingJobRunner runner,
    IOptions<TrainingWorkerOptions> options,
    TimeProvider time,
    ILogger<BootstrapService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        if (settings.Bootstrap.Count == 0)
        {
            return;
        }

        await schema.WaitUntilCurrentAsync(stoppingToken);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                var database = scope.ServiceProvider.GetRequiredService<ModelDbContext>();
                foreach (var model in settings.Bootstrap)
                {
                    // Checked under the queue's lock, not here: another worker's job may promote a champion meanwhile.
                    var queued = await TrainingJobQueue.EnqueueFirstTrainingAsync(
                        database, model.Name, $"No champion yet: training from the {model.Dataset} dataset.", time.GetUtcNow(), settings.MaxAttempts, stoppingToken);
                    if (queued is not null)
                    {
                        LogBootstrap(logger, model.Name, queued.Job.Id, queued.Created);
                    }
                }

                runner.Wake();
                return;
            }
            catch (Exception exception) when (exception is Npgsql.NpgsqlException or TimeoutException && !stoppingToken.IsCancellationRequested)
            {
                LogRetry(logger, exception);
                await Task.Delay(TimeSpan.FromSeconds(2), time, stoppingToken);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Bootstrap of {Model}: job {Job} (newly queued: {Created}).")]
    private static partial void LogBootstrap(ILogger logger, string model, Guid job, bool created);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not check the bootstrap models; retrying.")]
    private static partial void LogRetry(ILogger logger, Exception exception);
}
