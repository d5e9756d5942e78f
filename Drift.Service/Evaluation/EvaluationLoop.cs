using Microsoft.Extensions.Options;
using Monitoring.Data.Database;

namespace Drift.Service.Evaluation;

/// <summary>
/// Evaluates every model with a profiled champion every <see cref="DriftServiceOptions.EvaluationInterval"/>. A failed
/// evaluation of one model is logged and does not stop the others or the next tick.
/// </summary>
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
            IReadOnlyList<string> models;
            try
            {
                models = await evaluator.EvaluableModelsAsync(stoppingToken);
            }
            catch (Exception exception) when (!stoppingToken.IsCancellationRequested)
            {
                LogListingFailed(logger, exception);
                continue;
            }

            foreach (var model in models)
            {
                try
                {
                    await evaluator.EvaluateAsync(model, options.Value.Window, cancellationToken: stoppingToken);
                }
                catch (Exception exception) when (!stoppingToken.IsCancellationRequested)
                {
                    LogEvaluationFailed(logger, exception, model);
                }
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Listing the models to evaluate failed; the next tick retries.")]
    private static partial void LogListingFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The scheduled drift evaluation of {Model} failed; the next tick retries.")]
    private static partial void LogEvaluationFailed(ILogger logger, Exception exception, string model);
}
