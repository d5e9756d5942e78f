using System.Buffers;
using System.Text;

namespace Predictor.Api.PredictionLogging;

/// <summary>
/// What the request path hands to <see cref="IPredictionLog"/> for one prediction: the values as they are, with the
/// features as the request's own JSON bytes. Nothing here is kept after <see cref="IPredictionLog.TryWrite"/> returns.
/// </summary>
public readonly ref struct PredictionLogEntry(
    Guid id,
    string modelName,
    int modelVersion,
    DateTimeOffset createdAt,
    ReadOnlySpan<byte> featuresJson,
    string? label,
    ReadOnlySpan<byte> probabilitiesJson,
    double? value,
    double? confidence,
    double latencyMs,
    bool drifted)
{
    public Guid Id { get; } = id;

    public string ModelName { get; } = modelName;

    public int ModelVersion { get; } = modelVersion;

    public DateTimeOffset CreatedAt { get; } = createdAt;

    /// <summary>The row's features object as UTF-8 JSON text, stored as it is (the request's raw bytes).</summary>
    public ReadOnlySpan<byte> FeaturesJson { get; } = featuresJson;

    public string? Label { get; } = label;

    /// <summary>
    /// Label → probability as UTF-8 JSON (<see cref="Serving.Prediction.ProbabilitiesJson"/>, the reply's own text), stored
    /// as it is; empty when the prediction has none.
    /// </summary>
    public ReadOnlySpan<byte> ProbabilitiesJson { get; } = probabilitiesJson;

    public double? Value { get; } = value;

    public double? Confidence { get; } = confidence;

    public double LatencyMs { get; } = latencyMs;

    public bool Drifted { get; } = drifted;
}

/// <summary>Where the request path hands prediction log rows. Never blocks and never waits on the database.</summary>
public interface IPredictionLog
{
    /// <summary>False when logging is off (<see cref="PredictionLoggingOptions.Enabled"/>): callers need not build entries.</summary>
    bool Enabled { get; }

    /// <summary>
    /// Copies the entry into a queued row for the background writer; when the queue is full the row goes to the local
    /// spill file instead. Returns false when the row was not accepted: logging is disabled, or both the queue and the
    /// spill are full (the row is dropped and counted as <c>outcome=dropped</c>).
    /// </summary>
    bool TryWrite(in PredictionLogEntry entry);
}

/// <summary>
/// One queued row of <c>prediction_logs</c>. The text columns (features and probabilities as json, the label) are UTF-8
/// in one buffer rented from the queue's pool, so a waiting row holds no young objects for the GC to promote and the
/// writer copies the bytes into the COPY stream without transcoding. Whoever takes a row from the queue gives the
/// buffer back once, with <see cref="Release"/>, after storing or spilling it.
/// </summary>
internal readonly struct PredictionLogRow
{
    private readonly byte[] _text;
    private readonly ArrayPool<byte>? _pool;
    private readonly int _featuresLength;
    private readonly int _labelLength;
    private readonly int _probabilitiesLength;

    private PredictionLogRow(
        Guid id, string modelName, int modelVersion, long createdAtUtcTicks, double? value, double? confidence, double latencyMs, bool drifted,
        byte[] text, ArrayPool<byte>? pool, int featuresLength, int labelLength, int probabilitiesLength)
    {
        Id = id;
        ModelName = modelName;
        ModelVersion = modelVersion;
        CreatedAtUtcTicks = createdAtUtcTicks;
        Value = value;
        Confidence = confidence;
        LatencyMs = latencyMs;
        Drifted = drifted;
        _text = text;
        _pool = pool;
        _featuresLength = featuresLength;
        _labelLength = labelLength;
        _probabilitiesLength = probabilitiesLength;
    }

    public Guid Id { get; }

    public string ModelName { get; }

    public int ModelVersion { get; }

    public long CreatedAtUtcTicks { get; }

    public DateTimeOffset CreatedAt => new(CreatedAtUtcTicks, TimeSpan.Zero);

    public double? Value { get; }

    public double? Confidence { get; }

    public double LatencyMs { get; }

    public bool Drifted { get; }

    public ReadOnlySpan<byte> FeaturesJson => _text.AsSpan(0, _featuresLength);

    public bool HasLabel => _labelLength >= 0;

    public ReadOnlySpan<byte> Label => HasLabel ? _text.AsSpan(_featuresLength, _labelLength) : default;

    public bool HasProbabilities => _probabilitiesLength >= 0;

    public ReadOnlySpan<byte> ProbabilitiesJson => HasProbabilities ? _text.AsSpan(_featuresLength + Math.Max(_labelLength, 0), _probabilitiesLength) : default;

    /// <summary>Builds a row from a request's entry, with its text in a buffer rented from <paramref name="pool"/>.</summary>
    public static PredictionLogRow Create(in PredictionLogEntry entry, ArrayPool<byte> pool)
    {
        var probabilities = entry.ProbabilitiesJson;
        var labelBytes = entry.Label is { } label ? Encoding.UTF8.GetMaxByteCount(label.Length) : 0;
        var text = pool.Rent(entry.FeaturesJson.Length + labelBytes + probabilities.Length);
        entry.FeaturesJson.CopyTo(text);
        var labelLength = entry.Label is null ? -1 : Encoding.UTF8.GetBytes(entry.Label, text.AsSpan(entry.FeaturesJson.Length));
        probabilities.CopyTo(text.AsSpan(entry.FeaturesJson.Length + Math.Max(labelLength, 0)));
        return new PredictionLogRow(
            entry.Id, entry.ModelName, entry.ModelVersion, entry.CreatedAt.UtcTicks, entry.Value, entry.Confidence, entry.LatencyMs, entry.Drifted,
            text, pool, entry.FeaturesJson.Length, labelLength, probabilities.IsEmpty ? -1 : probabilities.Length);
    }

    /// <summary>A row read back from the spill: its text columns are copied into one exactly sized array (not pooled).</summary>
    public static PredictionLogRow FromStored(
        Guid id, string modelName, int modelVersion, long createdAtUtcTicks, ReadOnlySpan<byte> featuresJson, ReadOnlySpan<byte> label, bool hasLabel,
        ReadOnlySpan<byte> probabilitiesJson, bool hasProbabilities, double? value, double? confidence, double latencyMs, bool drifted)
    {
        var labelLength = hasLabel ? label.Length : 0;
        var probabilitiesLength = hasProbabilities ? probabilitiesJson.Length : 0;
        var text = new byte[featuresJson.Length + labelLength + probabilitiesLength];
        featuresJson.CopyTo(text);
        label[..labelLength].CopyTo(text.AsSpan(featuresJson.Length));
        probabilitiesJson[..probabilitiesLength].CopyTo(text.AsSpan(featuresJson.Length + labelLength));
        return new PredictionLogRow(
            id, modelName, modelVersion, createdAtUtcTicks, value, confidence, latencyMs, drifted,
            text, pool: null, featuresJson.Length, hasLabel ? labelLength : -1, hasProbabilities ? probabilitiesLength : -1);
    }

    /// <summary>Gives the text buffer back to its pool; the row must not be used afterwards.</summary>
    public void Release() => _pool?.Return(_text);
}
