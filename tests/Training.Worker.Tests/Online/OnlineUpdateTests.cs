extern alias training;

using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Monitoring.Data.Profiles;
using Monitoring.Data.Registry;
using Monitoring.Data.Training;
using Monitoring.Testing;
using Npgsql;
using training::Training.Worker.Data;
using training::Training.Worker.Online;
using training::Training.Worker.Pipeline;
using training::Training.Worker.Telemetry;
using training::Training.Worker.Trainers;
using Training.Worker.Tests.Service;
using static Training.Worker.Tests.Online.OnlineTraffic;

namespace Training.Worker.Tests.Online;

/// <summary>
/// Online updates in the real worker over a real PostgreSQL: a logistic-regression champion bootstrapped from the
/// credit-risk demo data, labelled traffic written as the predictor and the drift service would, and what the worker
/// stores from it. Row ids are seeded, so which rows are stepped on (the train part) is the same in every run.
/// </summary>
public sealed class OnlineUpdateTests(PostgresFixture postgres) : IAsyncLifetime
{
    private const double LearningRate = 0.02;

    private string _connectionString = "";

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _connectionString = await postgres.CreateDatabaseAsync($"online_{Guid.NewGuid():N}"[..30], Cancellation);
        await using var database = Open(_connectionString);
        await database.Database.MigrateAsync(Cancellation);
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private static Dictionary<string, string?> Settings(int updatesPerCandidate) => new()
    {
        ["Training:Bootstrap:0:Name"] = Model,
        ["Training:Bootstrap:0:Dataset"] = "credit-risk",
        ["Training:Bootstrap:0:Rows"] = "2000",
        ["Training:Bootstrap:0:Algorithm"] = "logistic_regression",
        ["Training:Online:UpdatesPerCandidate"] = updatesPerCandidate.ToString(CultureInfo.InvariantCulture),
        ["Training:Online:LearningRate"] = LearningRate.ToString(CultureInfo.InvariantCulture),
        ["Training:Online:PollInterval"] = "00:00:00.100",
        ["Training:Online:SettleDelay"] = "00:00:00",
    };

    [Fact]
    public async Task Each_feedback_row_is_applied_once_and_the_watermark_survives_a_restart()
    {
        List<LoggedRow> first, second;
        await using (var worker = new TrainingWorkerFactory(_connectionString, Settings(300)))
        {
            worker.StartClient();
            var champion = await WaitForAsync(async () => (await VersionsAsync(_connectionString, Cancellation)).SingleOrDefault(v => v.Stage == ModelStage.Champion));
            var ids = new Random(21);
            first = Rows(DemoDatasets.Stream(SyntheticDataset.CreditRisk, seed: 11).Take(500), ids, champion.PromotedAt!.Value.AddMilliseconds(1));
            await InsertAsync(_connectionString, first, Cancellation);
            await WaitForAsync(async () => (await StateAsync(_connectionString, Cancellation)) is { LastCandidateVersion: 2 } state ? state : null);
        }

        // Stopped after one batch; the rows it stepped on beyond it were in memory only.
        var stopped = (await StateAsync(_connectionString, Cancellation))!;
        var firstTrain = first.Where(r => r.IsTrainRow).ToList();
        Assert.True(firstTrain.Count > 300, $"{firstTrain.Count} train rows");
        Assert.Equal(300, stopped.AppliedUpdates);
        Assert.Equal(firstTrain[299].Position, new(stopped.WatermarkReceivedAt, stopped.WatermarkPredictionId));

        second = Rows(DemoDatasets.Stream(SyntheticDataset.CreditRisk, seed: 12).Take(500), new Random(22), first[^1].ReceivedAt.AddMilliseconds(1));
        await InsertAsync(_connectionString, second, Cancellation);
        await using (var restarted = new TrainingWorkerFactory(_connectionString, Settings(300)))
        {
            restarted.StartClient();
            await WaitForAsync(async () => (await StateAsync(_connectionString, Cancellation)) is { LastCandidateVersion: 3 } state ? state : null);
        }

        var train = firstTrain.Concat(second.Where(r => r.IsTrainRow)).ToList();
        var state = (await StateAsync(_connectionString, Cancellation))!;
        var versions = await VersionsAsync(_connectionString, Cancellation);
        Assert.Equal(600, state.AppliedUpdates);
        Assert.Equal(train[599].Position, new(state.WatermarkReceivedAt, state.WatermarkPredictionId));
        Assert.Equal(3, versions.Count);

        // Batch two starts where batch one ended, across the restart, and each batch is its rows stepped once.
        var (batchOne, batchTwo) = (OnlineRecord(versions[1]), OnlineRecord(versions[2]));
        Assert.Equal(1, batchOne["base_version"]!.GetValue<int>());
        Assert.Equal(300, batchTwo["updates"]!.GetValue<int>());
        Assert.Equal(Position(batchOne["feedback_through"]!), Position(batchTwo["feedback_after"]!));
        Assert.Equal(train[299].Position, Position(batchTwo["feedback_after"]!));
        AssertStepsFrom(versions[0], versions[1], train[..300], LearningRate);
        var secondBase = versions.Single(v => v.Version == batchTwo["base_version"]!.GetValue<int>());
        Assert.Equal(versions[1].PromotedAt is null ? 1 : 2, secondBase.Version);
        AssertStepsFrom(secondBase, versions[2], train[300..600], LearningRate);
    }

    [Fact]
    public async Task After_concept_drift_a_batch_passes_the_gate_on_logged_traffic_and_is_promoted_and_announced()
    {
        await using var worker = new TrainingWorkerFactory(_connectionString, Settings(1000));
        worker.StartClient();
        var champion = await WaitForAsync(async () => (await VersionsAsync(_connectionString, Cancellation)).SingleOrDefault(v => v.Stage == ModelStage.Champion));
        await using var listener = new NpgsqlConnection(_connectionString);
        await listener.OpenAsync(Cancellation);
        var notifications = new List<string>();
        listener.Notification += (_, e) => notifications.Add(e.Payload);
        await using (var listen = new NpgsqlCommand($"LISTEN {RegistryWrites.PromotionChannel}", listener))
        {
            await listen.ExecuteNonQueryAsync(Cancellation);
        }

        // The world changed: the effects of debt, income and purpose on risk are reversed.
        var drifted = Rows(DemoDatasets.Stream(SyntheticDataset.CreditRisk, seed: 5, DriftScenario.Concept(1.0)).Take(1500), new Random(31), champion.PromotedAt!.Value.AddMilliseconds(1));
        Assert.True(drifted.Count(r => r.IsTrainRow) >= 1000);
        await InsertAsync(_connectionString, drifted, Cancellation);
        var state = await WaitForAsync(async () => (await StateAsync(_connectionString, Cancellation)) is { LastCandidateVersion: 2 } s ? s : null);

        var versions = await VersionsAsync(_connectionString, Cancellation);
        var decision = OnlineRecord(versions[1])["decision"]!;
        Assert.True(decision["promote"]!.GetValue<bool>(), decision.ToJsonString());
        Assert.Equal("logged_traffic", decision["holdout"]!.GetValue<string>());
        Assert.Contains("beats champion version 1", decision["reason"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.True(decision["candidate"]!["roc_auc"]!.GetValue<double>() > decision["champion"]!["roc_auc"]!.GetValue<double>());
        Assert.Equal([ModelStage.Archived, ModelStage.Champion], versions.Select(v => v.Stage));
        Assert.Equal("logistic_regression", versions[1].Algorithm);
        Assert.NotNull(versions[1].ReferenceProfile);
        Assert.True(OnlineRecord(versions[1])["onnx_parity_max_difference"]!.GetValue<double>() <= 1e-4);

        // The copy now continues from the promoted version, and the predictors were told.
        Assert.Equal(2, state.ChampionVersion);
        AssertStepsFrom(versions[0], versions[1], [.. drifted.Where(r => r.IsTrainRow).Take(1000)], LearningRate);
        await WaitForAsync(async () =>
        {
            await listener.WaitAsync(TimeSpan.FromMilliseconds(100), Cancellation);
            return notifications.Contains("""{"model":"credit","version":2}""") ? notifications : null;
        });
    }

    [Fact]
    public async Task A_batch_with_shuffled_labels_is_kept_as_a_candidate_with_the_reason_and_the_copy_restarts_from_the_champion()
    {
        await using var worker = new TrainingWorkerFactory(_connectionString, Settings(250));
        worker.StartClient();
        var champion = await WaitForAsync(async () => (await VersionsAsync(_connectionString, Cancellation)).SingleOrDefault(v => v.Stage == ModelStage.Champion));

        // A labelling bug: the labels of 380 rows of unchanged traffic are shuffled among them. The logged share of the
        // holdout stays under 100 rows, so the whole holdout decides.
        var rows = DemoDatasets.Stream(SyntheticDataset.CreditRisk, seed: 13).Take(380).ToList();
        var shuffled = rows.Select(r => r.Label!).ToArray();
        new Random(4).Shuffle(shuffled);
        var harmful = Rows(rows, new Random(41), champion.PromotedAt!.Value.AddMilliseconds(1), (_, i) => shuffled[i]);
        Assert.True(harmful.Count(r => r.IsTrainRow) >= 250);
        await InsertAsync(_connectionString, harmful, Cancellation);
        var state = await WaitForAsync(async () => (await StateAsync(_connectionString, Cancellation)) is { LastCandidateVersion: 2 } s ? s : null);

        var versions = await VersionsAsync(_connectionString, Cancellation);
        var decision = OnlineRecord(versions[1])["decision"]!;
        Assert.False(decision["promote"]!.GetValue<bool>(), decision.ToJsonString());
        Assert.Equal("all", decision["holdout"]!.GetValue<string>());
        Assert.Contains("does not beat champion version 1", decision["reason"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal([ModelStage.Champion, ModelStage.Candidate], versions.Select(v => v.Stage));
        Assert.Contains("does not beat", state.LastDecision, StringComparison.Ordinal);
        Assert.Equal(1, state.ChampionVersion);
        Assert.Equal(250, state.AppliedUpdates);
        AssertStepsFrom(versions[0], versions[1], [.. harmful.Where(r => r.IsTrainRow).Take(250)], LearningRate);
    }

    [Fact]
    public async Task Two_workers_store_one_version_per_batch_each_row_in_one_batch()
    {
        await using var one = new TrainingWorkerFactory(_connectionString, Settings(200));
        await using var two = new TrainingWorkerFactory(_connectionString, Settings(200));
        one.StartClient();
        two.StartClient();
        var champion = await WaitForAsync(async () => (await VersionsAsync(_connectionString, Cancellation)).SingleOrDefault(v => v.Stage == ModelStage.Champion));
        var rows = Rows(DemoDatasets.Stream(SyntheticDataset.CreditRisk, seed: 14).Take(1000), new Random(51), champion.PromotedAt!.Value.AddMilliseconds(1));
        var train = rows.Where(r => r.IsTrainRow).ToList();
        Assert.InRange(train.Count, 600, 799);

        await InsertAsync(_connectionString, rows, Cancellation);
        var state = await WaitForAsync(async () => (await StateAsync(_connectionString, Cancellation)) is { AppliedUpdates: 600 } s ? s : null);

        var versions = await VersionsAsync(_connectionString, Cancellation);
        Assert.Equal(4, versions.Count);
        Assert.Equal(train[599].Position, new(state.WatermarkReceivedAt, state.WatermarkPredictionId));
        var batches = new[] { one, two }.Select(w => w.Services.GetRequiredService<OnlineUpdateService>().StoredBatches).Order().ToArray();
        Assert.Equal([0, 3], batches);
        for (var b = 0; b < 3; b++)
        {
            var online = OnlineRecord(versions[b + 1]);
            Assert.Equal(b == 0 ? champion.PromotedAt!.Value : train[(200 * b) - 1].ReceivedAt, Position(online["feedback_after"]!).ReceivedAt);
            Assert.Equal(train[(200 * b) + 199].Position, Position(online["feedback_through"]!));
            var start = versions.Single(v => v.Version == online["base_version"]!.GetValue<int>());
            AssertStepsFrom(start, versions[b + 1], train[(200 * b)..(200 * (b + 1))], LearningRate);
        }
    }

    [Fact]
    public async Task A_champion_promoted_by_another_path_restarts_the_copy_from_it_past_the_feedback_before_it()
    {
        await using var worker = new TrainingWorkerFactory(_connectionString, Settings(300));
        worker.StartClient();
        var first = await WaitForAsync(async () => (await VersionsAsync(_connectionString, Cancellation)).SingleOrDefault(v => v.Stage == ModelStage.Champion));
        var early = Rows(DemoDatasets.Stream(SyntheticDataset.CreditRisk, seed: 15).Take(300), new Random(61), first.PromotedAt!.Value.AddMilliseconds(1));
        Assert.InRange(early.Count(r => r.IsTrainRow), 1, 299);
        await InsertAsync(_connectionString, early, Cancellation);
        var metrics = worker.Services.GetRequiredService<TrainingMetrics>();
        await WaitForAsync(() => Task.FromResult(metrics.OnlineBufferOf(Model) == early.Count(r => r.IsTrainRow) ? metrics : null));

        // A retrain (here: a model trained in the test) becomes the champion while the copy holds unsaved steps.
        var retrained = TrainerCatalog.Get(TrainerCatalog.LogisticRegression).Train(SyntheticData.CreditRisk(1500, 77), null, new TrainerSettings(), cancellationToken: Cancellation);
        var promotedAt = await PromoteAsync(first, retrained);
        var later = Rows(DemoDatasets.Stream(SyntheticDataset.CreditRisk, seed: 16).Take(600), new Random(62), promotedAt.AddMilliseconds(1));
        await InsertAsync(_connectionString, later, Cancellation);
        var state = await WaitForAsync(async () => (await StateAsync(_connectionString, Cancellation)) is { LastCandidateVersion: 3 } s ? s : null);

        var versions = await VersionsAsync(_connectionString, Cancellation);
        var online = OnlineRecord(versions[2]);
        Assert.Equal(2, online["base_version"]!.GetValue<int>());
        Assert.Equal(promotedAt, Position(online["feedback_after"]!).ReceivedAt);
        Assert.Equal(300, state.AppliedUpdates);
        AssertStepsFrom(versions[1], versions[2], [.. later.Where(r => r.IsTrainRow).Take(300)], LearningRate);
    }

    /// <summary>Stores <paramref name="model"/> as version 2 and promotes it, the way a retrain's commit does.</summary>
    private async Task<DateTimeOffset> PromoteAsync(ModelVersion first, TrainedModel model)
    {
        var now = DateTimeOffset.UtcNow;
        now = now.AddTicks(-(now.Ticks % 10));
        var onnx = model.ExportOnnx();
        await using var database = Open(_connectionString);
        await using var transaction = await database.Database.BeginTransactionAsync(Cancellation);
        var registered = await RegistryWrites.LockModelAsync(database, Model, ModelTask.Classification, now, null, Cancellation);
        var version = await RegistryWrites.AddVersionAsync(database, registered, new ModelVersion
        {
            Stage = ModelStage.Candidate,
            Sha256 = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(onnx)),
            SizeBytes = onnx.Length,
            FeatureSchema = first.FeatureSchema,
            Algorithm = model.Algorithm,
            Source = ModelSource.Trained,
            Parameters = System.Text.Json.JsonSerializer.Serialize(model.Parameters),
            ReferenceProfile = first.ReferenceProfile,
            CreatedAt = now,
            Artifact = new ModelArtifact { Onnx = onnx },
        }, Cancellation);
        await RegistryWrites.PromoteAsync(database, registered, version, now, Cancellation);
        await transaction.CommitAsync(Cancellation);
        return now;
    }

    [Fact]
    public async Task Of_two_commits_from_the_same_watermark_one_stores_its_version_and_the_other_nothing()
    {
        var settings = Settings(100);
        settings["Training:Online:Enabled"] = "false";
        await using (var worker = new TrainingWorkerFactory(_connectionString, settings))
        {
            worker.StartClient();
            await WaitForAsync(async () => (await VersionsAsync(_connectionString, Cancellation)).SingleOrDefault(v => v.Stage == ModelStage.Champion));
        }

        var champion = (await VersionsAsync(_connectionString, Cancellation)).Single();
        FeatureSchema.TryParse(champion.FeatureSchema, out var schema, out _);
        var candidate = new TrainingCandidate(
            ModelTask.Classification, champion.Artifact!.Onnx, champion.Sha256, schema!, champion.Algorithm, champion.Parameters, champion.Metrics,
            ReferenceProfile.FromJson(champion.ReferenceProfile)!, new PromotionDecision(false, "test"), "{}");
        var listed = new OnlineChampion(Model, 1, champion.Algorithm, champion.PromotedAt!.Value);
        OnlineUpdateState state;
        await using (var database = Open(_connectionString))
        {
            state = await new OnlineUpdateStore(database).StartAsync(listed, DateTimeOffset.UtcNow, Cancellation);
        }

        var from = new FeedbackPosition(state.WatermarkReceivedAt, state.WatermarkPredictionId);
        var batch = new OnlineBatch(1, from, new FeedbackPosition(from.ReceivedAt.AddSeconds(1), Guid.NewGuid()), 100, candidate);
        async Task<int?> CommitAsync(OnlineBatch attempt)
        {
            await using var database = Open(_connectionString);
            return (await new OnlineUpdateStore(database).CommitAsync(Model, attempt, "{}", DateTimeOffset.UtcNow, Cancellation))?.Version;
        }

        var results = await Task.WhenAll(CommitAsync(batch), CommitAsync(batch));

        Assert.Equal([null, 2], results.Order());
        Assert.Null(await CommitAsync(batch with { From = batch.To, ChampionVersion = 7 }));
        var stored = (await StateAsync(_connectionString, Cancellation))!;
        Assert.Equal(100, stored.AppliedUpdates);
        Assert.Equal(batch.To, new(stored.WatermarkReceivedAt, stored.WatermarkPredictionId));
        Assert.Equal(2, (await VersionsAsync(_connectionString, Cancellation)).Count);
    }

    [Fact]
    public void Settings_out_of_range_stop_the_worker_at_start_naming_each_setting()
    {
        var settings = Settings(0);
        settings["Training:Online:LearningRate"] = "0";
        settings["Training:Online:MaxBuffer"] = "0";
        using var worker = new TrainingWorkerFactory(_connectionString, settings);

        var failure = Assert.Throws<OptionsValidationException>(() => worker.StartClient());

        Assert.Contains("Training:Online:UpdatesPerCandidate must be in 1..10000000 (was 0).", failure.Failures);
        Assert.Contains("Training:Online:LearningRate must be greater than 0 and at most 10 (was 0).", failure.Failures);
        Assert.Contains("Training:Online:MaxBuffer must be in 1..10000000 (was 0).", failure.Failures);
    }

    private static async Task<T> WaitForAsync<T>(Func<Task<T?>> probe)
        where T : class
    {
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (true)
        {
            if (await probe() is { } found)
            {
                return found;
            }

            Assert.True(DateTime.UtcNow < deadline, "The condition was not met within 120 s.");
            await Task.Delay(100, Cancellation);
        }
    }
}
