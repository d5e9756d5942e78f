using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Monitoring.Data;
using Monitoring.Data.Database;
using Monitoring.Data.Registry;
using Npgsql;
using Onnx.Export;
using Training.Worker.Pipeline;
using Training.Worker.Telemetry;
using Training.Worker.Trainers;

namespace Training.Worker.Online;

/// <summary>
/// Online updates of logistic and softmax regression champions. For each such model it owns (a session advisory lock
/// per model, so one worker at a time moves a model), it reads matched feedback past the model's durable watermark,
/// keeps the rows of the train part (the part every split gives them, so the gate's holdout never holds a row the
/// copy learned from), applies each as one SGD step to an in-memory copy of the champion, and after
/// <see cref="OnlineUpdateOptions.UpdatesPerCandidate"/> steps sends the copy through the retrain's own gate
/// (<see cref="CandidateGate"/>). The version is stored, and promoted when the gate passes, in the transaction that
/// moves the watermark past the batch. Then the copy starts again from the champion, which is the promoted copy or
/// the old champion when the gate refused the batch. A champion promoted by another path (a retrain) restarts the
/// copy from it, past the feedback received before it started serving.
/// </summary>
internal sealed partial class OnlineUpdateService(
    IServiceScopeFactory scopes,
    NpgsqlDataSource dataSource,
    ModelSchemaState schema,
    ModelDataLoader loader,
    CandidateGate gate,
    TrainingMetrics metrics,
    IOptions<TrainingWorkerOptions> options,
    TimeProvider time,
    ILogger<OnlineUpdateService> logger) : BackgroundService
{
    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web)
    {
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    private readonly Dictionary<string, ModelStream> _streams = new(StringComparer.Ordinal);
    private readonly HashSet<string> _locked = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTimeOffset> _retryAfter = new(StringComparer.Ordinal);
    private readonly HashSet<(string Model, int Version)> _unusable = [];
    private NpgsqlConnection? _lockConnection;
    private int _batches;

    /// <summary>Batches this worker stored (promoted or not), for tests and diagnostics.</summary>
    public int StoredBatches => Volatile.Read(ref _batches);

    private OnlineUpdateOptions Settings => options.Value.Online;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.ProcessJobs || !Settings.Enabled)
        {
            return;
        }

        await schema.WaitUntilCurrentAsync(stoppingToken);
        try
        {
            using var timer = new PeriodicTimer(Settings.PollInterval, time);
            do
            {
                try
                {
                    await PollAsync(stoppingToken);
                }
                catch (Exception exception) when (exception is NpgsqlException or TimeoutException or DbUpdateException && !stoppingToken.IsCancellationRequested)
                {
                    // Whatever this worker held may be gone with its session: start again from the database's state.
                    LogUnavailable(logger, exception);
                    await ForgetEverythingAsync();
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        finally
        {
            await ForgetEverythingAsync();
        }
    }

    /// <summary>One pass over the eligible models: take the free ones, step through their new feedback, gate full batches.</summary>
    private async Task PollAsync(CancellationToken cancellationToken)
    {
        List<OnlineChampion> champions;
        await using (var scope = scopes.CreateAsyncScope())
        {
            champions = await new OnlineUpdateStore(scope.ServiceProvider.GetRequiredService<ModelDbContext>()).ChampionsAsync(cancellationToken);
        }

        var lockConnection = await LockConnectionAsync(cancellationToken);
        foreach (var model in _locked.Where(m => champions.All(c => c.Model != m)).ToList())
        {
            // No longer a champion of the family (a retrain chose another algorithm): let the model go.
            await UnlockAsync(lockConnection, model, cancellationToken);
        }

        foreach (var champion in champions)
        {
            if (_unusable.Contains((champion.Model, champion.Version))
                || (_retryAfter.TryGetValue(champion.Model, out var retryAt) && time.GetUtcNow() < retryAt))
            {
                continue;
            }

            if (!_locked.Contains(champion.Model))
            {
                if (!await TryLockAsync(lockConnection, champion.Model, cancellationToken))
                {
                    continue;
                }

                _locked.Add(champion.Model);
            }

            try
            {
                await ProcessAsync(champion, cancellationToken);
            }
            catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                // One model's failure stops neither the others nor the worker; its copy starts again from the database.
                LogFailed(logger, exception, champion.Model);
                Forget(champion.Model);
                _retryAfter[champion.Model] = time.GetUtcNow() + Settings.PollInterval;
            }
        }
    }

    private async Task ProcessAsync(OnlineChampion champion, CancellationToken cancellationToken)
    {
        if (!_streams.TryGetValue(champion.Model, out var stream) || stream.Champion.Version != champion.Version)
        {
            Forget(champion.Model);
            stream = await OpenAsync(champion, cancellationToken);
            if (stream is null)
            {
                return;
            }
        }

        while (true)
        {
            var (read, requested) = await FillAsync(stream, cancellationToken);
            Step(stream);
            if (stream.Copy.Steps >= Settings.UpdatesPerCandidate)
            {
                stream = await GateAndCommitAsync(stream, cancellationToken);
                if (stream is null)
                {
                    return;
                }

                continue;
            }

            if (read < requested || requested == 0)
            {
                return;
            }
        }
    }

    /// <summary>The copy of the model's champion at its watermark, or null when the champion cannot be continued.</summary>
    private async Task<ModelStream?> OpenAsync(OnlineChampion listed, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var database = scope.ServiceProvider.GetRequiredService<ModelDbContext>();
        var champion = await Champion.LoadAsync(database, listed.Model, cancellationToken);
        if (champion is null || champion.Version != listed.Version || !OnlineUpdateStore.Algorithms.Contains(champion.Algorithm))
        {
            return null;
        }

        OnlineLinearModel copy;
        try
        {
            copy = ExportedLinearModel.Read(champion.Onnx, champion.Schema, champion.Algorithm, L2Of(champion.ParametersJson));
        }
        catch (InvalidDataException exception)
        {
            _unusable.Add((listed.Model, listed.Version));
            LogUnusable(logger, exception, listed.Model, listed.Version);
            return null;
        }

        var state = await new OnlineUpdateStore(database).StartAsync(listed, time.GetUtcNow(), cancellationToken);
        var stream = new ModelStream(champion, copy, new FeedbackPosition(state.WatermarkReceivedAt, state.WatermarkPredictionId));
        _streams[listed.Model] = stream;
        metrics.OnlineUpdated(listed.Model, 0);
        metrics.OnlineBuffer(listed.Model, 0);
        LogOpened(logger, listed.Model, champion.Version, champion.Algorithm, stream.Watermark.ReceivedAt);
        return stream;
    }

    /// <summary>Reads feedback past the cursor into the buffer, up to <see cref="OnlineUpdateOptions.MaxBuffer"/> rows held.</summary>
    private async Task<(int Read, int Requested)> FillAsync(ModelStream stream, CancellationToken cancellationToken)
    {
        var requested = Settings.MaxBuffer - stream.Buffer.Count;
        if (requested <= 0)
        {
            return (0, 0);
        }

        var until = time.GetUtcNow() - Settings.SettleDelay;
        var page = await FeedbackData.ReadAfterAsync(dataSource, stream.Champion.Name, ModelTask.Classification, stream.Champion.Schema, stream.Cursor, until, requested, cancellationToken);
        if (page.Rows is { } rows)
        {
            var encoded = stream.Copy.Encoder.Encode(rows.Data);
            for (var r = 0; r < rows.Data.RowCount; r++)
            {
                var classIndex = stream.Copy.ClassIndex(rows.Data.Labels![r]);
                if (classIndex >= 0 && ModelDataLoader.IsTrainRow(rows.PredictionIds[r]))
                {
                    stream.Buffer.Enqueue(new BufferedRow(encoded.Row(r).ToArray(), classIndex, page.Positions[r]));
                }
            }
        }

        stream.Cursor = page.Last ?? stream.Cursor;
        metrics.OnlineBuffer(stream.Champion.Name, stream.Pending);
        return (page.RowsRead, requested);
    }

    private void Step(ModelStream stream)
    {
        var steps = 0;
        while (stream.Copy.Steps < Settings.UpdatesPerCandidate && stream.Buffer.TryDequeue(out var row))
        {
            stream.Copy.Step(row.Encoded, row.ClassIndex, Settings.LearningRate);
            stream.LastStepped = row.Position;
            steps++;
        }

        if (steps > 0)
        {
            metrics.OnlineUpdated(stream.Champion.Name, steps);
            metrics.OnlineBuffer(stream.Champion.Name, stream.Pending);
        }
    }

    /// <summary>
    /// The copy through the gate and into the registry with the watermark; the next copy (from the champion now
    /// serving), or null when there is none for now (nothing stored, or another worker got there first).
    /// </summary>
    private async Task<ModelStream?> GateAndCommitAsync(ModelStream stream, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var champion = stream.Champion;
        var settings = Settings;
        var updates = stream.Copy.Steps;
        var batchEnd = stream.LastStepped!.Value;
        var candidateModel = stream.Copy.ToTrainedModel(new Dictionary<string, object>(StringComparer.Ordinal)
        {
            ["l2"] = stream.Copy.L2,
            ["encoded_features"] = stream.Copy.Encoder.Width,
            ["online_updates"] = updates,
        });
        var exportOptions = new ModelExportOptions { Description = $"{champion.Name}: online update of version {champion.Version} by the training worker ({updates} SGD steps)." };
        exportOptions.Metadata["mlmonitoring.online_base_version"] = champion.Version.ToString(System.Globalization.CultureInfo.InvariantCulture);

        GateResult result;
        try
        {
            var data = await loader.LoadAsync(champion.Name, champion, cancellationToken);
            result = await gate.CheckAsync(candidateModel, exportOptions, data, champion, cancellationToken);
        }
        catch (TrainingRejectedException exception)
        {
            // Without a holdout (or with an export that fails its check) nothing can be stored: the batch waits.
            LogGateUnavailable(logger, champion.Name, exception.Message);
            _retryAfter[champion.Name] = time.GetUtcNow() + TimeSpan.FromTicks(Math.Max(settings.PollInterval.Ticks, TimeSpan.FromMinutes(1).Ticks));
            Forget(champion.Name);
            return null;
        }

        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        var online = new JsonObject
        {
            ["base_version"] = champion.Version,
            ["updates"] = updates,
            ["learning_rate"] = settings.LearningRate,
            ["l2"] = stream.Copy.L2,
            ["feedback_after"] = Position(stream.Watermark),
            ["feedback_through"] = Position(batchEnd),
            ["decision"] = JsonSerializer.SerializeToNode(result.DecisionDetails, s_json),
            ["champion_metrics"] = result.ChampionMetrics is { } championMetrics ? JsonSerializer.SerializeToNode(championMetrics.ToDictionary(), s_json) : null,
            ["onnx_parity_max_difference"] = result.ParityMaxDifference,
            ["gate_seconds"] = seconds,
        };
        var parameters = JsonNode.Parse(champion.ParametersJson) as JsonObject ?? [];
        parameters["online"] = online;
        var candidate = new TrainingCandidate(
            ModelTask.Classification,
            result.Onnx,
            result.Sha256,
            champion.Schema,
            champion.Algorithm,
            parameters.ToJsonString(s_json),
            result.CandidateMetrics.ToJson(),
            result.Profile,
            result.Decision,
            online.ToJsonString(s_json));
        var decision = new JsonObject
        {
            ["base_version"] = champion.Version,
            ["updates"] = updates,
            ["decision"] = JsonSerializer.SerializeToNode(result.DecisionDetails, s_json),
        };

        ModelVersion? version;
        await using (var scope = scopes.CreateAsyncScope())
        {
            var store = new OnlineUpdateStore(scope.ServiceProvider.GetRequiredService<ModelDbContext>());
            version = await store.CommitAsync(
                champion.Name,
                new OnlineBatch(champion.Version, stream.Watermark, batchEnd, updates, candidate),
                decision.ToJsonString(s_json),
                time.GetUtcNow(),
                cancellationToken);
        }

        Forget(champion.Name);
        if (version is null)
        {
            LogLostRace(logger, champion.Name, champion.Version);
            return null;
        }

        Interlocked.Increment(ref _batches);
        metrics.Promotion(champion.Name, result.Decision.Promote);
        LogStored(logger, champion.Name, version.Version, updates, champion.Version, result.Decision.Promote ? "promoted" : "kept the champion", result.Decision.Reason);
        var next = new OnlineChampion(champion.Name, result.Decision.Promote ? version.Version : champion.Version, champion.Algorithm, time.GetUtcNow());
        return await OpenAsync(next, cancellationToken);
    }

    private static JsonObject Position(FeedbackPosition position) => new()
    {
        ["received_at"] = position.ReceivedAt,
        ["prediction_id"] = position.PredictionId,
    };

    /// <summary>The trainer's L2 penalty stored with the champion, else the trainer's default.</summary>
    internal static double L2Of(string parametersJson)
    {
        try
        {
            using var parameters = JsonDocument.Parse(parametersJson);
            if (parameters.RootElement.ValueKind == JsonValueKind.Object
                && parameters.RootElement.TryGetProperty("l2", out var l2)
                && l2.ValueKind == JsonValueKind.Number
                && l2.GetDouble() is var value and >= 0
                && double.IsFinite(value))
            {
                return value;
            }
        }
        catch (JsonException)
        {
        }

        return new LinearModelSettings().L2;
    }

    private void Forget(string model)
    {
        _streams.Remove(model);
        metrics.OnlineBuffer(model, 0);
    }

    private async Task<NpgsqlConnection> LockConnectionAsync(CancellationToken cancellationToken)
    {
        if (_lockConnection is { State: not System.Data.ConnectionState.Open })
        {
            await ForgetEverythingAsync();
        }

        if (_lockConnection is { } connection)
        {
            // A session that died took its locks with it: find out before acting as their owner.
            await using var ping = new NpgsqlCommand("SELECT 1", connection);
            await ping.ExecuteScalarAsync(cancellationToken);
            return connection;
        }

        _lockConnection = await dataSource.OpenConnectionAsync(cancellationToken);
        return _lockConnection;
    }

    private static async Task<bool> TryLockAsync(NpgsqlConnection connection, string model, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT pg_try_advisory_lock(hashtext('online_updates'), hashtext($1))", connection);
        command.Parameters.Add(new() { Value = model });
        return (bool)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    private async Task UnlockAsync(NpgsqlConnection connection, string model, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT pg_advisory_unlock(hashtext('online_updates'), hashtext($1))", connection);
        command.Parameters.Add(new() { Value = model });
        await command.ExecuteScalarAsync(cancellationToken);
        _locked.Remove(model);
        Forget(model);
        metrics.OnlineForget(model);
    }

    private async Task ForgetEverythingAsync()
    {
        foreach (var model in _streams.Keys.Concat(_locked).Distinct().ToList())
        {
            Forget(model);
            metrics.OnlineForget(model);
        }

        _locked.Clear();
        if (_lockConnection is { State: not System.Data.ConnectionState.Open })
        {
            await ForgetEverythingAsync();
        }

        if (_lockConnection is { } connection)
        {
            _lockConnection = null;
            // Closing the session releases its advisory locks.
            await connection.DisposeAsync();
        }
    }

    /// <summary>A model's copy and the feedback it has read: stepped rows since <see cref="Watermark"/>, and rows waiting.</summary>
    private sealed class ModelStream(Champion champion, OnlineLinearModel copy, FeedbackPosition watermark)
    {
        public Champion Champion { get; } = champion;

        public OnlineLinearModel Copy { get; } = copy;

        /// <summary>The durable position the copy started at: the batch's rows come after it.</summary>
        public FeedbackPosition Watermark { get; } = watermark;

        /// <summary>The last row read.</summary>
        public FeedbackPosition Cursor { get; set; } = watermark;

        public FeedbackPosition? LastStepped { get; set; }

        public Queue<BufferedRow> Buffer { get; } = new();

        /// <summary>Rows no stored version includes yet: stepped into the copy, or waiting for their step.</summary>
        public int Pending => Copy.Steps + Buffer.Count;
    }

    private sealed record BufferedRow(float[] Encoded, int ClassIndex, FeedbackPosition Position);

    [LoggerMessage(Level = LogLevel.Information, Message = "Online updates of {Model} continue from version {Version} ({Algorithm}) with the feedback received after {Watermark:o}.")]
    private static partial void LogOpened(ILogger logger, string model, int version, string algorithm, DateTimeOffset watermark);

    [LoggerMessage(Level = LogLevel.Information, Message = "Online updates of {Model} stored version {Version} ({Updates} SGD steps on version {BaseVersion}) and {Outcome}: {Reason}")]
    private static partial void LogStored(ILogger logger, string model, int version, int updates, int baseVersion, string outcome, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Online updates of {Model}: the batch on version {Version} was not stored; the watermark or the champion moved (another worker or a promotion).")]
    private static partial void LogLostRace(ILogger logger, string model, int version);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Online updates of {Model}: the batch cannot be gated and waits: {Reason}")]
    private static partial void LogGateUnavailable(ILogger logger, string model, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Online updates of {Model} skip version {Version}: its ONNX file is not a linear model this worker exported.")]
    private static partial void LogUnusable(ILogger logger, Exception exception, string model, int version);

    [LoggerMessage(Level = LogLevel.Error, Message = "Online updates of {Model} failed; its copy starts again from the database at the next poll.")]
    private static partial void LogFailed(ILogger logger, Exception exception, string model);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Online updates: the database is unavailable; starting again at the next poll.")]
    private static partial void LogUnavailable(ILogger logger, Exception exception);
}
