using Microsoft.Extensions.Options;
using Monitoring.Data.Database;
using Npgsql;

namespace Predictor.Api.PredictionLogging;

/// <summary>
/// Moves queued prediction log rows into <c>prediction_logs</c> with binary COPY, in batches of up to
/// <see cref="PredictionLoggingOptions.BatchSize"/> rows or every <see cref="PredictionLoggingOptions.FlushInterval"/>.
/// When a COPY fails the batch goes to the spill and the writer stops trying the database for a backoff delay
/// (doubling up to <see cref="PredictionLoggingOptions.MaxRetryDelay"/>), spilling meanwhile; once a COPY or a replay
/// succeeds again, spill segments are replayed oldest first.
/// <para>
/// Replay is idempotent: each segment is copied into a temporary table and inserted with
/// <c>ON CONFLICT (id) DO NOTHING</c> in one transaction, and the segment is deleted only after that commit. A batch
/// whose COPY committed but whose acknowledgement was lost (and so was spilled too), or a segment whose delete did
/// not happen before a crash, therefore never produces a duplicate row or a failed replay.
/// </para>
/// On shutdown the queue is closed and drained into the database, or into the spill when the database is away.
/// </summary>
internal sealed partial class PredictionLogWriter : BackgroundService
{
    internal const string Columns = "id, model_name, model_version, created_at, features, label, probabilities, value, confidence, latency_ms, drifted";
    private const string CopySql = $"COPY prediction_logs ({Columns}) FROM STDIN (FORMAT BINARY)";
    private const string CreateReplayTableSql = "CREATE TEMP TABLE prediction_logs_replay (LIKE prediction_logs INCLUDING DEFAULTS) ON COMMIT DROP";
    private const string CopyReplaySql = $"COPY prediction_logs_replay ({Columns}) FROM STDIN (FORMAT BINARY)";
    private const string InsertReplaySql = $"INSERT INTO prediction_logs ({Columns}) SELECT {Columns} FROM prediction_logs_replay ON CONFLICT (id) DO NOTHING";
    private static readonly TimeSpan s_firstRetryDelay = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan s_drainTimeout = TimeSpan.FromSeconds(10);

    private readonly PredictionLogQueue _queue;
    private readonly NpgsqlDataSource _dataSource;
    private readonly Func<CancellationToken, Task> _waitForSchema;
    private readonly PredictionLoggingOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<PredictionLogWriter> _logger;
    private readonly PredictionLogRow[] _batch;
    private readonly PredictionLogCopyEncoder _encoder = new();
    private TimeSpan _retryDelay = s_firstRetryDelay;
    private long _retryAtTicks;
    private volatile bool _databaseUnreachable;

    public PredictionLogWriter(
        PredictionLogQueue queue,
        NpgsqlDataSource dataSource,
        ModelSchemaState schema,
        IOptions<PredictionLoggingOptions> options,
        TimeProvider time,
        ILogger<PredictionLogWriter> logger)
        : this(queue, dataSource, schema.WaitUntilCurrentAsync, options, time, logger)
    {
    }

    internal PredictionLogWriter(
        PredictionLogQueue queue,
        NpgsqlDataSource dataSource,
        Func<CancellationToken, Task> waitForSchema,
        IOptions<PredictionLoggingOptions> options,
        TimeProvider time,
        ILogger<PredictionLogWriter> logger)
    {
        _queue = queue;
        _dataSource = dataSource;
        _waitForSchema = waitForSchema;
        _options = options.Value;
        _time = time;
        _logger = logger;
        _batch = new PredictionLogRow[_options.BatchSize];
    }

    /// <summary>False after a failed COPY or replay, until one succeeds again.</summary>
    public bool DatabaseReachable => !_databaseUnreachable;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_queue.Enabled)
        {
            return;
        }

        try
        {
            await _waitForSchema(stoppingToken);
            while (!stoppingToken.IsCancellationRequested)
            {
                var count = await _queue.ReadBatchAsync(_batch, _options.FlushInterval, _time, stoppingToken);
                if (count > 0)
                {
                    // Not cancelled by a stop: a batch already taken from the queue is finished (COPY or spill), or a
                    // shutdown would push it to the spill and leave it for the next start.
                    await StoreAsync(_batch, count, _encoder, CancellationToken.None);
                }

                if (_queue.Spill.HasData && !InBackoff())
                {
                    await ReplayAsync(stoppingToken);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Stops the loop, then drains what is still queued into the database or the spill.</summary>
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        // ExecuteAsync may never have run (stopped right after start), so the drain lives here, not in its finally.
        await base.StopAsync(cancellationToken);
        if (_queue.Enabled)
        {
            await DrainAsync();
        }
    }

    /// <summary>
    /// Stores the first <paramref name="count"/> rows of the batch: COPY, or the spill when the database is away.
    /// Either way their text buffers go back to the pool.
    /// </summary>
    private async Task StoreAsync(PredictionLogRow[] batch, int count, PredictionLogCopyEncoder encoder, CancellationToken cancellationToken)
    {
        try
        {
            if (!InBackoff())
            {
                try
                {
                    await using (var connection = await _dataSource.OpenConnectionAsync(cancellationToken))
                    {
                        await CopyAsync(connection, CopySql, batch.AsMemory(0, count), encoder, cancellationToken);
                    }

                    _queue.CountWritten(count);
                    MarkReachable();
                    return;
                }
                catch (Exception exception) when (exception is not OutOfMemoryException)
                {
                    // The COPY may even have committed (acknowledgement lost): replay skips ids already stored.
                    MarkUnreachable(exception);
                }
            }

            var spilled = _queue.SpillOrDrop(batch.AsSpan(0, count));
            if (spilled < count)
            {
                LogDropped(_logger, count - spilled, _options.MaxSpillBytes);
            }
        }
        finally
        {
            foreach (var row in batch.AsSpan(0, count))
            {
                row.Release();
            }

            Array.Clear(batch, 0, count);
        }
    }

    private async Task ReplayAsync(CancellationToken cancellationToken)
    {
        foreach (var segment in _queue.Spill.CloseAndListSegments())
        {
            try
            {
                var rows = PredictionLogSpill.ReadSegment(segment, out var torn);
                long inserted = 0;
                if (rows.Count > 0)
                {
                    await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
                    await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
                    await using (var create = new NpgsqlCommand(CreateReplayTableSql, connection, transaction))
                    {
                        await create.ExecuteNonQueryAsync(cancellationToken);
                    }

                    await CopyAsync(connection, CopyReplaySql, rows.ToArray(), _encoder, cancellationToken);
                    await using (var insert = new NpgsqlCommand(InsertReplaySql, connection, transaction))
                    {
                        inserted = await insert.ExecuteNonQueryAsync(cancellationToken);
                    }

                    await transaction.CommitAsync(cancellationToken);
                }

                _queue.Spill.Delete(segment);
                _queue.CountReplayed(inserted);
                if (torn > 0)
                {
                    _queue.CountTorn(torn);
                    LogTorn(_logger, Path.GetFileName(segment), rows.Count);
                }

                LogReplayed(_logger, inserted, Path.GetFileName(segment));
                MarkReachable();
            }
            catch (Exception exception) when (exception is not OutOfMemoryException)
            {
                if (exception is OperationCanceledException && cancellationToken.IsCancellationRequested)
                {
                    return; // The segment stays; the next start replays it.
                }

                MarkUnreachable(exception);
                return;
            }
        }
    }

    private async Task DrainAsync()
    {
        _queue.Complete();
        using var timeout = new CancellationTokenSource(s_drainTimeout, _time);
        // Its own buffers: a loop that ignored the stop request must not share them with the drain.
        var batch = new PredictionLogRow[_options.BatchSize];
        var encoder = new PredictionLogCopyEncoder();
        var drained = 0;
        int count;
        while ((count = _queue.TakeQueued(batch)) > 0)
        {
            drained += count;
            await StoreAsync(batch, count, encoder, timeout.Token);
        }

        _queue.Spill.Dispose();
        LogDrained(_logger, drained);
    }

    /// <summary>
    /// One binary COPY of <paramref name="rows"/>: the whole batch is encoded into one reused buffer first
    /// (<see cref="PredictionLogCopyEncoder"/>, no per-value type resolution or boxing), then streamed. Nothing is sent
    /// before the encoding is complete, so a failure can only leave the COPY unfinished, which PostgreSQL rolls back.
    /// </summary>
    private static async Task CopyAsync(NpgsqlConnection connection, string sql, ReadOnlyMemory<PredictionLogRow> rows, PredictionLogCopyEncoder encoder, CancellationToken cancellationToken)
    {
        encoder.Encode(rows.Span);
        await using var copy = await connection.BeginRawBinaryCopyAsync(sql, cancellationToken);
        await copy.WriteAsync(encoder.Encoded, cancellationToken);
        // Disposing the stream ends the COPY and waits for PostgreSQL's acknowledgement (or its error).
    }

    private bool InBackoff() => _time.GetUtcNow().UtcTicks < Interlocked.Read(ref _retryAtTicks);

    private void MarkReachable()
    {
        if (_databaseUnreachable)
        {
            LogReachable(_logger);
        }

        _databaseUnreachable = false;
        _retryDelay = s_firstRetryDelay;
        Interlocked.Exchange(ref _retryAtTicks, 0);
    }

    private void MarkUnreachable(Exception exception)
    {
        if (!_databaseUnreachable)
        {
            LogUnreachable(_logger, exception.GetType().Name, exception);
        }

        _databaseUnreachable = true;
        Interlocked.Exchange(ref _retryAtTicks, (_time.GetUtcNow() + _retryDelay).UtcTicks);
        _retryDelay = TimeSpan.FromTicks(Math.Min(_retryDelay.Ticks * 2, _options.MaxRetryDelay.Ticks));
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Prediction log rows cannot reach the database ({ErrorType}); spilling to disk and retrying.")]
    private static partial void LogUnreachable(ILogger logger, string errorType, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "The database takes prediction log rows again.")]
    private static partial void LogReachable(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "Replayed {Rows} prediction log row(s) from spill segment {Segment}.")]
    private static partial void LogReplayed(ILogger logger, long rows, string segment);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Spill segment {Segment} ended in a damaged record, skipped and counted as dropped; its {Rows} intact row(s) were replayed.")]
    private static partial void LogTorn(ILogger logger, string segment, int rows);

    [LoggerMessage(Level = LogLevel.Error, Message = "Dropped {Rows} prediction log row(s): the queue and the spill ({MaxSpillBytes} bytes) are full.")]
    private static partial void LogDropped(ILogger logger, int rows, long maxSpillBytes);

    [LoggerMessage(Level = LogLevel.Information, Message = "Prediction log writer stopped; {Rows} queued row(s) drained.")]
    private static partial void LogDrained(ILogger logger, int rows);
}
