using System.Diagnostics.Metrics;
using System.Threading.Channels;
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

    private readonly Channel<PredictionLogRow> _channel;
    private readonly Counter<long> _rows;
    private readonly bool _enabled;
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
        _channel = Channel.CreateBounded<PredictionLogRow>(new BoundedChannelOptions(settings.QueueCapacity)
        {
            // TryWrite answers false when full; the row then goes to the spill (never waits, never drops silently).
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = true,
            SingleWriter = false,
            AllowSynchronousContinuations = false,
        });
        Spill = new PredictionLogSpill(settings.SpillDirectory, settings.MaxSpillBytes);
        var meter = meters.Create(Telemetry.PredictorMetrics.MeterName);
        _rows = meter.CreateCounter<long>("ml.prediction_log.rows", description: "Prediction log rows by outcome: written, spilled, replayed, dropped.");
        meter.CreateObservableGauge("ml.prediction_log.queue", () => (long)QueueLength, description: "Prediction log rows waiting in memory for the writer.");
    }

    public ChannelReader<PredictionLogRow> Reader => _channel.Reader;

    public PredictionLogSpill Spill { get; }

    public bool Enabled => _enabled;

    public int QueueLength => _channel.Reader.CanCount ? _channel.Reader.Count : 0;

    public long Written => Interlocked.Read(ref _written);

    public long Spilled => Interlocked.Read(ref _spilled);

    public long Replayed => Interlocked.Read(ref _replayed);

    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Damaged records found at the end of spill segments (also counted as dropped).</summary>
    public long TornRecords => Interlocked.Read(ref _tornRecords);

    /// <summary>Binary COPY batches written to <c>prediction_logs</c> (replays not included).</summary>
    public long CopyBatches => Interlocked.Read(ref _copyBatches);

    public bool TryWrite(in PredictionLogRow row)
    {
        if (!_enabled)
        {
            return false;
        }

        if (_channel.Writer.TryWrite(row))
        {
            return true;
        }

        // Queue full (or the writer has shut down): spill synchronously; this path only runs when the writer falls behind.
        if (Spill.Append(new ReadOnlySpan<PredictionLogRow>(in row)) == 1)
        {
            CountSpilled(1);
            return true;
        }

        CountDropped(1);
        return false;
    }

    /// <summary>Stops accepting rows into the queue (shutdown); later rows go to the spill.</summary>
    public void Complete() => _channel.Writer.TryComplete();

    /// <summary>Spills rows the database did not take; those that do not fit are dropped. Returns how many were spilled.</summary>
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
