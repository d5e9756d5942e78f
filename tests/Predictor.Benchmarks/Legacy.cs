extern alias predictor;

using System.Text.Json;
using System.Threading.Channels;
using Npgsql;
using NpgsqlTypes;
using predictor::Predictor.Api.Serving;

namespace Predictor.Benchmarks;

/// <summary>The logged row as the request path built it before (commit 14ba546): JSON columns as strings.</summary>
public readonly record struct LegacyRow(
    Guid Id,
    string ModelName,
    int ModelVersion,
    DateTimeOffset CreatedAt,
    string FeaturesJson,
    string? Label,
    string? ProbabilitiesJson,
    double? Value,
    double? Confidence,
    double LatencyMs,
    bool Drifted);

/// <summary>
/// The prediction log's request-path and writer steps as they were before (commit 14ba546), kept here so that the
/// "before" of every benchmark runs next to the "after" on the same machine at the same time.
/// </summary>
internal static class Legacy
{
    public const string CopySql = "COPY prediction_logs (id, model_name, model_version, created_at, features, label, probabilities, value, confidence, latency_ms, drifted) FROM STDIN (FORMAT BINARY)";

    /// <summary>PredictApi.LogPredictions' row: the features re-encoded to a string, the probabilities serialized.</summary>
    public static LegacyRow BuildRow(JsonElement features, Prediction prediction, DateTimeOffset at, double latencyMs) => new(
        prediction.Id,
        "load",
        1,
        at,
        features.GetRawText(),
        prediction.Label,
        prediction.Probabilities is { } probabilities ? JsonSerializer.Serialize(probabilities) : null,
        prediction.Value,
        prediction.Confidence,
        latencyMs,
        Drifted: false);

    public static Channel<LegacyRow> CreateChannel(int capacity) => Channel.CreateBounded<LegacyRow>(new BoundedChannelOptions(capacity)
    {
        FullMode = BoundedChannelFullMode.Wait,
        SingleReader = true,
        SingleWriter = false,
        AllowSynchronousContinuations = false,
    });

    /// <summary>The writer's batch loop: drain, then wait for each next row until the batch is full or the interval ends.</summary>
    public static async Task<int> ReadBatchAsync(ChannelReader<LegacyRow> reader, LegacyRow[] batch, TimeSpan flushInterval, CancellationToken cancellationToken)
    {
        var count = 0;
        while (count < batch.Length && reader.TryRead(out var row))
        {
            batch[count++] = row;
        }

        if (count == batch.Length)
        {
            return count;
        }

        using var timeout = new CancellationTokenSource(flushInterval);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            while (count < batch.Length && await reader.WaitToReadAsync(linked.Token))
            {
                while (count < batch.Length && reader.TryRead(out var row))
                {
                    batch[count++] = row;
                }
            }
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested || cancellationToken.IsCancellationRequested)
        {
        }

        return count;
    }

    /// <summary>The writer's COPY: Npgsql's importer, one call per value, json columns named.</summary>
    public static async Task CopyAsync(NpgsqlConnection connection, ReadOnlyMemory<LegacyRow> rows, CancellationToken cancellationToken)
    {
        await using var importer = await connection.BeginBinaryImportAsync(CopySql, cancellationToken);
        for (var i = 0; i < rows.Length; i++)
        {
            var row = rows.Span[i];
            await importer.StartRowAsync(cancellationToken);
            await importer.WriteAsync(row.Id, cancellationToken);
            await importer.WriteAsync(row.ModelName, cancellationToken);
            await importer.WriteAsync(row.ModelVersion, cancellationToken);
            await importer.WriteAsync(row.CreatedAt.UtcDateTime, cancellationToken);
            await importer.WriteAsync(row.FeaturesJson, NpgsqlDbType.Json, cancellationToken);
            await (row.Label is null ? importer.WriteNullAsync(cancellationToken) : importer.WriteAsync(row.Label, cancellationToken));
            await (row.ProbabilitiesJson is null ? importer.WriteNullAsync(cancellationToken) : importer.WriteAsync(row.ProbabilitiesJson, NpgsqlDbType.Json, cancellationToken));
            await (row.Value is { } value ? importer.WriteAsync(value, cancellationToken) : importer.WriteNullAsync(cancellationToken));
            await (row.Confidence is { } confidence ? importer.WriteAsync(confidence, cancellationToken) : importer.WriteNullAsync(cancellationToken));
            await importer.WriteAsync(row.LatencyMs, cancellationToken);
            await importer.WriteAsync(row.Drifted, cancellationToken);
        }

        await importer.CompleteAsync(cancellationToken);
    }
}
