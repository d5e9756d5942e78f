using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Options;

namespace Predictor.Api.PredictionLogging;

/// <summary>
/// The bounded in-memory queue behind <see cref="IPredictionLog"/>, the spill it overflows into, and the counters of
/// what became of each row (<c>ml.prediction_log.rows</c> by outcome, <c>ml.prediction_log.queue</c>).
/// </summary>
internal sealed class PredictionLogQueue : IPredictionLog, IDisposable
{
    private static readonly KeyValuePair<string, object?> s_written = new("outcome", "written");
    private static readonly KeyValuePair<string, object?> s_spilled = new("outcome", "spilled");
    private static readonly KeyValuePair<string, object?> s_replayed = new("outcome", "replayed");
    private static readonly KeyValuePair<string, object?> s_dropped = new("outcome", "dropped");

    // Lock-free: a request adds its row with a few atomic operations, where a channel takes a lock per row. The capacity
    // is kept by _queued, which counts a row from the moment its request reserves a place until the writer takes it.
    private readonly ConcurrentQueue<PredictionLogRow> _queue = new();
    private readonly Counter<long> _rows;
    private readonly bool _enabled;
    private readonly int _capacity;
    private readonly int _wakeThreshold;
    private readonly SemaphoreSlim _enoughQueued = new(0, int.MaxValue);
    private long _queued;
    // Requests between their check of _completed and their enqueue; the drain waits for them (see Complete).
    private int _enqueuing;
    private volatile bool _completed;
    private long _written;
    private long _spilled;
    private long _replayed;
    private long _dropped;
    private long _tornRecords;
    private long _copyBatches;

    public PredictionLogQueue(IOptions<PredictionLoggingOptions> options, IMeterFactory meters)
    {
        var settings = options.Value;
        _enabled = settings.Enabled;
        _capacity = settings.QueueCapacity;
        // The writer sleeps until a batch is queued (or its flush interval ends) instead of waking for every row; it is
        // woken at half the capacity at the latest, so a small queue still drains before it overflows.
        _wakeThreshold = Math.Max(1, Math.Min(settings.BatchSize, settings.QueueCapacity / 2));
        // Its own pool, large enough for every queued row: the shared pool keeps only a few dozen arrays per size, so
        // rows returned by the writer a batch at a time would mostly go to the GC and be allocated again.
        TextPool = _enabled ? ArrayPool<byte>.Create(MaxPooledRowBytes, Math.Min(settings.QueueCapacity + settings.BatchSize, 1 << 16)) : ArrayPool<byte>.Shared;
        Spill = new PredictionLogSpill(settings.SpillDirectory, settings.MaxSpillBytes);
        var meter = meters.Create(Telemetry.PredictorMetrics.MeterName);
        _rows = meter.CreateCounter<long>("ml.prediction_log.rows", description: "Prediction log rows by outcome: written, spilled, replayed, dropped.");
        meter.CreateObservableGauge("ml.prediction_log.queue", () => (long)QueueLength, description: "Prediction log rows waiting in memory for the writer.");
    }

    /// <summary>Rows whose text is larger than this use arrays of their own rather than pooled ones.</summary>
    internal const int MaxPooledRowBytes = 64 * 1024;

    /// <summary>The pool of the queued rows' text buffers.</summary>
    internal ArrayPool<byte> TextPool { get; }

    public PredictionLogSpill Spill { get; }

    public bool Enabled => _enabled;

    public int QueueLength => (int)Interlocked.Read(ref _queued);

    public long Written => Interlocked.Read(ref _written);

    public long Spilled => Interlocked.Read(ref _spilled);

    public long Replayed => Interlocked.Read(ref _replayed);

    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Damaged records found at the end of spill segments (also counted as dropped).</summary>
    public long TornRecords => Interlocked.Read(ref _tornRecords);

    /// <summary>Binary COPY batches written to <c>prediction_logs</c> (replays not included).</summary>
    public long CopyBatches => Interlocked.Read(ref _copyBatches);

    public bool TryWrite(in PredictionLogEntry entry)
    {
        if (!_enabled)
        {
            return false;
        }

        return TryEnqueue(PredictionLogRow.Create(entry, TextPool));
    }

    /// <summary>Queues a built row, or spills it when the queue is full; the queue owns the row from here.</summary>
    internal bool TryEnqueue(in PredictionLogRow row)
    {
        Interlocked.Increment(ref _enqueuing);
        try
        {
            if (!_completed)
            {
                var queued = Interlocked.Increment(ref _queued);
                if (queued <= _capacity)
                {
                    _queue.Enqueue(row);
                    if (queued == _wakeThreshold)
                    {
                        _enoughQueued.Release();
                    }

                    return true;
                }

                Interlocked.Decrement(ref _queued);
            }
        }
        finally
        {
            Interlocked.Decrement(ref _enqueuing);
        }

        // Queue full (or the writer has shut down): spill synchronously; this path only runs when the writer falls behind.
        var spilled = Spill.Append(new ReadOnlySpan<PredictionLogRow>(in row)) == 1;
        row.Release();
        if (spilled)
        {
            CountSpilled(1);
            return true;
        }

        CountDropped(1);
        return false;
    }

    /// <summary>
    /// Moves up to <paramref name="batch"/>.Length queued rows into <paramref name="batch"/>, first waiting until a
    /// batch's worth is queued, the queue is completed, or <paramref name="maxWait"/> has passed. Returns how many.
    /// </summary>
    public async ValueTask<int> ReadBatchAsync(PredictionLogRow[] batch, TimeSpan maxWait, TimeProvider time, CancellationToken cancellationToken)
    {
        if (Interlocked.Read(ref _queued) < _wakeThreshold && !_completed)
        {
            using var timeout = new CancellationTokenSource(maxWait, time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
            try
            {
                // A wake-up can be left over from a batch already taken: check the count again after each one.
                while (Interlocked.Read(ref _queued) < _wakeThreshold && !_completed)
                {
                    await _enoughQueued.WaitAsync(linked.Token);
                }
            }
            catch (OperationCanceledException) when (timeout.IsCancellationRequested || cancellationToken.IsCancellationRequested)
            {
                // Flush interval over, or shutting down: whatever is queued now is taken (the drain takes the rest).
            }
        }

        return TakeQueued(batch);
    }

    /// <summary>Moves up to <paramref name="batch"/>.Length queued rows into it without waiting. Returns how many.</summary>
    public int TakeQueued(PredictionLogRow[] batch)
    {
        var count = 0;
        while (count < batch.Length && _queue.TryDequeue(out var row))
        {
            batch[count++] = row;
        }

        Interlocked.Add(ref _queued, -count);
        return count;
    }

    /// <summary>
    /// Stops accepting rows into the queue (shutdown); later rows go to the spill. Returns once every request that saw
    /// the queue open has finished adding its row, so a drain that follows takes them all.
    /// </summary>
    public void Complete()
    {
        _completed = true;
        // A full fence on both sides (here, and TryEnqueue's increment): a request either sees the queue completed, or
        // is counted in _enqueuing when it is read below.
        Interlocked.MemoryBarrier();
        var spinner = new SpinWait();
        while (Volatile.Read(ref _enqueuing) != 0)
        {
            spinner.SpinOnce();
        }

        _enoughQueued.Release();
    }

    /// <summary>Spills rows the database did not take; those that do not fit are dropped. Returns how many were spilled.</summary>
    /// <remarks>The rows stay the caller's to release.</remarks>
    public int SpillOrDrop(ReadOnlySpan<PredictionLogRow> rows)
    {
        var stored = Spill.Append(rows);
        CountSpilled(stored);
        CountDropped(rows.Length - stored);
        return stored;
    }

    public void CountWritten(int rows)
    {
        Interlocked.Add(ref _written, rows);
        Interlocked.Increment(ref _copyBatches);
        _rows.Add(rows, s_written);
    }

    public void CountReplayed(long rows)
    {
        Interlocked.Add(ref _replayed, rows);
        _rows.Add(rows, s_replayed);
    }

    public void CountTorn(int records)
    {
        Interlocked.Add(ref _tornRecords, records);
        CountDropped(records);
    }

    /// <remarks>
    /// The semaphore is left undisposed: the writer's stop (which completes the queue and releases it) can run after the
    /// container disposed the queue, and a SemaphoreSlim whose wait handle was never asked for holds nothing to free.
    /// </remarks>
    public void Dispose() => Spill.Dispose();

    private void CountSpilled(int rows)
    {
        if (rows > 0)
        {
            Interlocked.Add(ref _spilled, rows);
            _rows.Add(rows, s_spilled);
        }
    }

    private void CountDropped(int rows)
    {
        if (rows > 0)
        {
            Interlocked.Add(ref _dropped, rows);
            _rows.Add(rows, s_dropped);
        }
    }
}
