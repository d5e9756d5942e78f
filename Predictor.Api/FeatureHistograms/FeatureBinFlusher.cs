using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Monitoring.Data.Database;
using Npgsql;
using NpgsqlTypes;
using Predictor.Api.PredictionLogging;
using Predictor.Api.Serving;

namespace Predictor.Api.FeatureHistograms;

/// <summary>One <c>feature_bin_counts</c> row: a feature's (or output's) counts for one model version and minute.</summary>
public sealed record FeatureBinRow(string Model, int Version, string Feature, DateTimeOffset Minute, long[] Counts, long Missing, long OutOfRange);

/// <summary>The histograms of every model version served since start, until their counts are flushed.</summary>
public sealed class FeatureHistogramRegistry
{
    private readonly ConcurrentDictionary<(string Model, int Version), FeatureHistogram> _histograms = new();

    public FeatureHistogram GetOrAdd(FeatureHistogram histogram) =>
        _histograms.GetOrAdd((histogram.Model, histogram.Version), histogram);

    public IEnumerable<FeatureHistogram> All => _histograms.Values;

    // Versions found no longer served at the last flush. Only the flusher (one flush at a time) reads and writes it.
    private readonly HashSet<FeatureHistogram> _retiring = [];

    /// <summary>
    /// Called by each flush for a version that is no longer served. It is forgotten at the flush after the one that
    /// first found it retired, once nothing of it is left to flush: requests that acquired it before the swap may
    /// still be counting into it, and forgetting it at once lost their counts.
    /// </summary>
    public void Forget(FeatureHistogram histogram)
    {
        if (_retiring.Add(histogram) || !histogram.IsEmpty)
        {
            return;
        }

        _histograms.TryRemove(new KeyValuePair<(string, int), FeatureHistogram>((histogram.Model, histogram.Version), histogram));
        _retiring.Remove(histogram);
    }

    /// <summary>Called by each flush for a version that is served (again, after a rollback).</summary>
    public void KeepServing(FeatureHistogram histogram) => _retiring.Remove(histogram);
}

/// <summary>
/// Stores closed minutes of feature histograms every <see cref="FeatureHistogramOptions.FlushInterval"/>, and all
/// of them at shutdown. Counts for the same row are added, so a minute flushed in parts adds up. While PostgreSQL is
/// away the counts wait in memory; at shutdown they go to a spill file in the prediction log's spill folder and are
/// replayed at the next start.
/// </summary>
internal sealed partial class FeatureBinFlusher(
    FeatureHistogramRegistry registry,
    ModelCatalog catalog,
    NpgsqlDataSource dataSource,
    ModelSchemaState schema,
    IOptions<FeatureHistogramOptions> options,
    IOptions<PredictionLoggingOptions> logging,
    TimeProvider time,
    ILogger<FeatureBinFlusher> logger) : BackgroundService
{
    internal const string SpillFileName = "feature-bins.jsonl";

    private const string Upsert = """
        INSERT INTO feature_bin_counts (model_name, model_version, feature, minute, counts, missing, out_of_range)
        VALUES ($1, $2, $3, $4, $5, $6, $7)
        ON CONFLICT (model_name, model_version, feature, minute) DO UPDATE SET
            counts = (SELECT array_agg(coalesce(a, 0) + coalesce(b, 0) ORDER BY i)
                      FROM unnest(feature_bin_counts.counts, excluded.counts) WITH ORDINALITY AS t(a, b, i)),
            missing = feature_bin_counts.missing + excluded.missing,
            out_of_range = feature_bin_counts.out_of_range + excluded.out_of_range
        """;

    private readonly Dictionary<(string, int, string, DateTimeOffset), FeatureBinRow> _pending = [];
    private readonly SemaphoreSlim _flushing = new(1, 1);

    private string SpillPath => Path.Combine(logging.Value.SpillDirectory, SpillFileName);

    /// <summary>Rows waiting for the database.</summary>
    public int Pending => _pending.Count;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await schema.WaitUntilCurrentAsync(stoppingToken);
        await ReplaySpillAsync(stoppingToken);
        await FlushAsync(time.GetUtcNow() - options.Value.Grace, stoppingToken);
        using var timer = new PeriodicTimer(options.Value.FlushInterval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            await FlushAsync(time.GetUtcNow() - options.Value.Grace, stoppingToken);
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        try
        {
            await FlushAsync(before: null, cancellationToken);
        }
        finally
        {
            await SpillPendingAsync();
        }
    }

    /// <summary>Takes the minutes ended before <paramref name="before"/> (all when null) and stores what is pending.</summary>
    internal async Task FlushAsync(DateTimeOffset? before, CancellationToken cancellationToken)
    {
        await _flushing.WaitAsync(cancellationToken);
        try
        {
            foreach (var histogram in registry.All)
            {
                foreach (var minute in histogram.TakeClosedMinutes(before))
                {
                    for (var t = 0; t < histogram.Tracked.Count; t++)
                    {
                        Add(new FeatureBinRow(histogram.Model, histogram.Version, histogram.Tracked[t], minute.Minute, minute.Slots[t], minute.Missing[t], minute.OutOfRange[t]));
                    }
                }

                if (catalog.VersionOf(histogram.Model) == histogram.Version)
                {
                    registry.KeepServing(histogram);
                }
                else
                {
                    registry.Forget(histogram);
                }
            }

            if (_pending.Count == 0)
            {
                return;
            }

            try
            {
                await WriteAsync(_pending.Values, cancellationToken);
                _pending.Clear();

                // Replayed rows were among those written: the spill has been handed over.
                File.Delete(SpillPath);
            }
            catch (Exception exception) when (exception is NpgsqlException or TimeoutException or IOException && !cancellationToken.IsCancellationRequested)
            {
                LogFlushFailed(logger, exception, _pending.Count);
            }
        }
        finally
        {
            _flushing.Release();
        }
    }

    private void Add(FeatureBinRow row)
    {
        if (row.Counts.All(c => c == 0) && row.Missing == 0 && row.OutOfRange == 0)
        {
            return;
        }

        var key = (row.Model, row.Version, row.Feature, row.Minute);
        if (_pending.TryGetValue(key, out var existing))
        {
            var sum = new long[Math.Max(existing.Counts.Length, row.Counts.Length)];
            for (var i = 0; i < sum.Length; i++)
            {
                sum[i] = (i < existing.Counts.Length ? existing.Counts[i] : 0) + (i < row.Counts.Length ? row.Counts[i] : 0);
            }

            row = row with { Counts = sum, Missing = existing.Missing + row.Missing, OutOfRange = existing.OutOfRange + row.OutOfRange };
        }

        _pending[key] = row;
    }

    private async Task WriteAsync(IEnumerable<FeatureBinRow> rows, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var batch = new NpgsqlBatch(connection, transaction);
        foreach (var row in rows)
        {
            batch.BatchCommands.Add(new NpgsqlBatchCommand(Upsert)
            {
                Parameters =
                {
                    new() { Value = row.Model, NpgsqlDbType = NpgsqlDbType.Text },
                    new() { Value = row.Version, NpgsqlDbType = NpgsqlDbType.Integer },
                    new() { Value = row.Feature, NpgsqlDbType = NpgsqlDbType.Text },
                    new() { Value = row.Minute, NpgsqlDbType = NpgsqlDbType.TimestampTz },
                    new() { Value = row.Counts, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint },
                    new() { Value = row.Missing, NpgsqlDbType = NpgsqlDbType.Bigint },
                    new() { Value = row.OutOfRange, NpgsqlDbType = NpgsqlDbType.Bigint },
                },
            });
        }

        await batch.ExecuteNonQueryAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>At shutdown with the database away: keep the counts for the next start.</summary>
    private async Task SpillPendingAsync()
    {
        if (_pending.Count == 0)
        {
            return;
        }

        Directory.CreateDirectory(logging.Value.SpillDirectory);
        // Pending holds everything not yet stored, replayed rows included, so the file is rewritten whole.
        await using var file = new StreamWriter(SpillPath, append: false);
        foreach (var row in _pending.Values)
        {
            await file.WriteLineAsync(JsonSerializer.Serialize(row));
        }

        LogSpilled(logger, _pending.Count, SpillPath);
        _pending.Clear();
    }

    private async Task ReplaySpillAsync(CancellationToken cancellationToken)
    {
        if (!File.Exists(SpillPath))
        {
            return;
        }

        var rows = new List<FeatureBinRow>();
        foreach (var line in await File.ReadAllLinesAsync(SpillPath, cancellationToken))
        {
            try
            {
                if (!string.IsNullOrWhiteSpace(line) && JsonSerializer.Deserialize<FeatureBinRow>(line) is { } row)
                {
                    rows.Add(row);
                }
            }
            catch (JsonException)
            {
                // A line cut short by a crash while spilling: the rest of the file is still good.
                LogSpillLineSkipped(logger, SpillPath);
            }
        }

        await _flushing.WaitAsync(cancellationToken);
        try
        {
            rows.ForEach(Add);
        }
        finally
        {
            _flushing.Release();
        }

        // The file stays until a flush has stored these rows (or is rewritten at shutdown with them).
        LogReplaying(logger, rows.Count, SpillPath);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not store {Rows} feature histogram rows; keeping them for the next flush.")]
    private static partial void LogFlushFailed(ILogger logger, Exception exception, int rows);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Database unavailable at shutdown: {Rows} feature histogram rows saved to {Path} for the next start.")]
    private static partial void LogSpilled(ILogger logger, int rows, string path);

    [LoggerMessage(Level = LogLevel.Information, Message = "Replaying {Rows} feature histogram rows from {Path}.")]
    private static partial void LogReplaying(ILogger logger, int rows, string path);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Skipped an unreadable line in {Path}.")]
    private static partial void LogSpillLineSkipped(ILogger logger, string path);
}
