using Microsoft.Extensions.Options;
using Monitoring.Data.Database;

namespace Drift.Service.Evaluation;

/// <summary>Evaluates every model with a profiled champion every <see cref="DriftServiceOptions.EvaluationInterval"/>.</summary>
internal sealed partial class EvaluationLoop(
    DriftEvaluator evaluator,
    ModelSchemaState schema,
    IOptions<DriftServiceOptions> options,
    TimeProvider time,
    ILogger<EvaluationLoop> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await schema.WaitUntilCurrentAsync(stoppingToken);
        using var timer = new PeriodicTimer(options.Value.EvaluationInterval, time);
        do
        {
            try
            {
                foreach (var model in await evaluator.EvaluableModelsAsync(stoppingToken))
                {
                    await evaluator.EvaluateAsync(model, options.Value.Window, stoppingToken);
                }
            }
            catch (Exception exception) when (exception is Npgsql.NpgsqlException or TimeoutException or System.Text.Json.JsonException && !stoppingToken.IsCancellationRequested)
            {
                LogEvaluationFailed(logger, exception);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A scheduled drift evaluation failed; the next tick retries.")]
    private static partial void LogEvaluationFailed(ILogger logger, Exception exception);
}
