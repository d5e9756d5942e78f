using System.Collections.Concurrent;
using Drift.Service.Telemetry;
using Microsoft.Extensions.Options;

namespace Drift.Service.Feedback;

/// <summary>
/// Feedback whose prediction is not in the log yet. The predictor writes its log asynchronously (about a second
/// behind), so a client answering at once can be early: such items are held here, bounded in number and time
/// (<see cref="DriftServiceOptions.MaxPendingFeedback"/>, <see cref="DriftServiceOptions.PendingFeedbackRetention"/>),
/// and <see cref="PendingFeedbackRetrier"/> matches them again. Held items live in memory only: a restart forgets
/// them, which is why the reply still lists them as unknown, so a client can retry (a retry is never harmful:
/// an item stored meanwhile comes back as a duplicate).
/// </summary>
public sealed class PendingFeedback(IOptions<DriftServiceOptions> options)
{
    private readonly ConcurrentDictionary<Guid, (FeedbackItem Item, DateTimeOffset Deadline)> _items = new();

    public int Count => _items.Count;

    /// <summary>Holds <paramref name="item"/> until <paramref name="now"/> + the retention; false when holding is off or full.</summary>
    public bool TryHold(FeedbackItem item, DateTimeOffset now)
    {
        var settings = options.Value;
        if (settings.PendingFeedbackRetention <= TimeSpan.Zero)
        {
            return false;
        }

        if (_items.ContainsKey(item.PredictionId))
        {
            // The first answer wins, as in the table.
            return true;
        }

        return _items.Count < settings.MaxPendingFeedback && _items.TryAdd(item.PredictionId, (item, now + settings.PendingFeedbackRetention));
    }

    public IReadOnlyList<(FeedbackItem Item, DateTimeOffset Deadline)> Snapshot() => [.. _items.Values];

    public void Remove(Guid predictionId) => _items.TryRemove(predictionId, out _);
}

/// <summary>Matches held feedback again every <see cref="DriftServiceOptions.PendingFeedbackRetryInterval"/>; what is still unknown at its deadline is counted unmatched.</summary>
internal sealed partial class PendingFeedbackRetrier(
    PendingFeedback pending,
    FeedbackStore store,
    DriftMetrics metrics,
    IOptions<DriftServiceOptions> options,
    TimeProvider time,
    ILogger<PendingFeedbackRetrier> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.PendingFeedbackRetryInterval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await RetryAsync(stoppingToken);
            }
            catch (Exception exception) when (!stoppingToken.IsCancellationRequested)
            {
                LogRetryFailed(logger, exception);
            }
        }
    }

    internal async Task RetryAsync(CancellationToken cancellationToken)
    {
        var held = pending.Snapshot();
        if (held.Count == 0)
        {
            return;
        }

        var now = time.GetUtcNow();
        var outcome = await store.StoreAsync([.. held.Select(h => h.Item)], now, allOrNothing: false, cancellationToken);
        foreach (var id in outcome.Accepted.Concat(outcome.Duplicates))
        {
            pending.Remove(id);
        }

        foreach (var (item, problem) in outcome.Invalid)
        {
            pending.Remove(item.PredictionId);
            metrics.Feedback(FeedbackStore.UnknownModel, "unmatched");
            LogHeldInvalid(logger, item.PredictionId, problem);
        }

        var deadlines = held.ToDictionary(h => h.Item.PredictionId, h => h.Deadline);
        foreach (var item in outcome.Unknown)
        {
            if (deadlines[item.PredictionId] <= now)
            {
                pending.Remove(item.PredictionId);
                metrics.Feedback(FeedbackStore.UnknownModel, "unmatched");
                LogGaveUp(logger, item.PredictionId);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Retrying held feedback failed; the next tick retries.")]
    private static partial void LogRetryFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Held feedback for prediction {PredictionId} matched a prediction but is not valid for it and is dropped: {Problem}")]
    private static partial void LogHeldInvalid(ILogger logger, Guid predictionId, string problem);

    [LoggerMessage(Level = LogLevel.Information, Message = "Feedback for prediction {PredictionId} found no logged prediction within the retention and is counted unmatched.")]
    private static partial void LogGaveUp(ILogger logger, Guid predictionId);
}
