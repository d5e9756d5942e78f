extern alias training;

using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Monitoring.Data.Evaluation;
using Monitoring.Data.Registry;
using Monitoring.Testing;
using training::Training.Worker.Data;
using training::Training.Worker.Online;
using training::Training.Worker.Pipeline;
using training::Training.Worker.Trainers;
using Training.Worker.Tests.Service;
using Training.Worker.Tests.Trainers;
using static Training.Worker.Tests.Online.OnlineTraffic;

namespace Training.Worker.Tests.Online;

/// <summary>
/// The numbers of docs/training.md's online section, measured on demand (explicit: they print, they assert nothing):
/// <c>artifacts/bin/Training.Worker.Tests/release/Training.Worker.Tests -class Training.Worker.Tests.Online.OnlineMeasurements -explicit only -showliveoutput</c>.
/// </summary>
public sealed class OnlineMeasurements(PostgresFixture postgres)
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    private static ITestOutputHelper Output => TestContext.Current.TestOutputHelper!;

    [Fact(Explicit = true)]
    public async Task Cost_of_a_step_of_reading_feedback_and_of_the_gate()
    {
        foreach (var (name, data, algorithm) in new[]
        {
            ("credit-risk, 2 classes", SyntheticData.CreditRisk(20_000, 1), TrainerCatalog.LogisticRegression),
            ("credit tiers, 3 classes", TestTables.CreditTiers(20_000, 1), TrainerCatalog.SoftmaxRegression),
        })
        {
            var model = TrainerCatalog.Get(algorithm).Train(data, null, new TrainerSettings(), cancellationToken: Cancellation);
            var copy = ExportedLinearModel.Read(model.ExportOnnx(), model.Schema, algorithm, 1e-3);
            var encoded = copy.Encoder.Encode(data);
            var classes = data.Labels!.Select(copy.ClassIndex).ToArray();
            for (var run = 0; run < 4; run++)
            {
                var allocated = GC.GetAllocatedBytesForCurrentThread();
                var started = Stopwatch.GetTimestamp();
                for (var r = 0; r < data.RowCount; r++)
                {
                    copy.Step(encoded.Row(r), classes[r], 0.02);
                }

                var elapsed = Stopwatch.GetElapsedTime(started);
                Output.WriteLine($"{name} ({copy.Encoder.Width} encoded columns): {elapsed.TotalMicroseconds / data.RowCount:0.00} µs per step, allocated {GC.GetAllocatedBytesForCurrentThread() - allocated} B for {data.RowCount} steps{(run == 0 ? " (warm-up)" : "")}");
            }
        }

        var connectionString = await postgres.CreateDatabaseAsync($"measure_{Guid.NewGuid():N}"[..30], Cancellation);
        await using (var database = Open(connectionString))
        {
            await database.Database.MigrateAsync(Cancellation);
        }

        var rows = Rows(DemoDatasets.Stream(SyntheticDataset.CreditRisk, seed: 3).Take(20_000), new Random(1), DateTimeOffset.UtcNow.AddMinutes(-10));
        foreach (var chunk in rows.Chunk(5000))
        {
            await InsertAsync(connectionString, chunk, Cancellation);
        }

        await using var worker = new TrainingWorkerFactory(connectionString, new Dictionary<string, string?>
        {
            ["Training:Bootstrap:0:Name"] = Model,
            ["Training:Bootstrap:0:Dataset"] = "credit-risk",
            ["Training:Bootstrap:0:Algorithm"] = "logistic_regression",
            ["Training:Online:Enabled"] = "false",
        });
        worker.StartClient();
        while ((await VersionsAsync(connectionString, Cancellation)).All(v => v.Stage != ModelStage.Champion))
        {
            await Task.Delay(100, Cancellation);
        }

        Champion champion;
        await using (var database = Open(connectionString))
        {
            champion = (await Champion.LoadAsync(database, Model, Cancellation))!;
        }

        var dataSource = worker.Services.GetRequiredService<Npgsql.NpgsqlDataSource>();
        var start = ExportedLinearModel.Read(champion.Onnx, champion.Schema, champion.Algorithm, 1e-3);
        for (var run = 0; run < 3; run++)
        {
            var cursor = new FeedbackPosition(DateTimeOffset.UtcNow.AddHours(-1), Guid.Empty);
            var read = 0;
            var started = Stopwatch.GetTimestamp();
            while (await FeedbackData.ReadAfterAsync(dataSource, Model, ModelTask.Classification, champion.Schema, cursor, DateTimeOffset.UtcNow, 1000, Cancellation) is { Rows: { } page } result)
            {
                start.Encoder.Encode(page.Data);
                read += result.RowsRead;
                cursor = result.Last!.Value;
            }

            Output.WriteLine($"feedback read, parsed and encoded in pages of 1000: {Stopwatch.GetElapsedTime(started).TotalMilliseconds / (read / 1000.0):0.0} ms per 1000 rows ({read} rows)");
        }

        var loader = worker.Services.GetRequiredService<ModelDataLoader>();
        var gate = worker.Services.GetRequiredService<CandidateGate>();
        for (var run = 0; run < 3; run++)
        {
            var started = Stopwatch.GetTimestamp();
            var data = await loader.LoadAsync(Model, champion, Cancellation);
            var loaded = Stopwatch.GetElapsedTime(started);
            await gate.CheckAsync(start.ToTrainedModel([]), new Onnx.Export.ModelExportOptions(), data, champion, Cancellation);
            Output.WriteLine($"gate of one candidate ({data.ReferenceRows} reference + {data.FeedbackRows} logged rows): {Stopwatch.GetElapsedTime(started).TotalSeconds:0.00} s, of which loading the data {loaded.TotalSeconds:0.00} s");
        }
    }

    [Fact(Explicit = true)]
    public void Learning_rate_against_concept_drift_and_shuffled_labels()
    {
        // The bootstrap champion of the tests: credit-risk, 2,000 rows, seed 42, its train split.
        var split = DatasetSplit.Split(SyntheticData.CreditRisk(2000, 42), 42);
        var champion = TrainerCatalog.Get(TrainerCatalog.LogisticRegression).Train(split.Train, split.Validation, new TrainerSettings(), cancellationToken: Cancellation);
        var onnx = champion.ExportOnnx();
        foreach (var (name, scenario, shuffle) in new[] { ("concept drift 1.0", DriftScenario.Concept(1.0), false), ("concept drift 0.5", DriftScenario.Concept(0.5), false), ("shuffled labels", DriftScenario.None, true) })
        {
            var traffic = SyntheticData.CreditRisk(4000, 5, scenario);
            var steps = traffic.Select([.. Enumerable.Range(0, 3000)]);
            var labels = steps.Labels!.ToArray();
            if (shuffle)
            {
                new Random(3).Shuffle(labels);
            }

            // Judged on unseen traffic of the same world, or, for the labelling bug, on the reference holdout.
            var judge = shuffle ? split.Holdout : traffic.Select([.. Enumerable.Range(3000, 1000)]);
            Output.WriteLine($"{name}: champion ROC AUC {RocAuc(champion, judge):0.000}");
            foreach (var learningRate in new[] { 0.005, 0.01, 0.02, 0.05, 0.1 })
            {
                var results = new List<string>();
                foreach (var count in new[] { 250, 500, 1000, 2000 })
                {
                    var copy = ExportedLinearModel.Read(onnx, champion.Schema, champion.Algorithm, 1e-3);
                    var encoded = copy.Encoder.Encode(steps);
                    for (var r = 0; r < count; r++)
                    {
                        copy.Step(encoded.Row(r), copy.ClassIndex(labels[r]), learningRate);
                    }

                    results.Add($"{count} steps {RocAuc(copy.ToTrainedModel([]), judge):0.000}");
                }

                Output.WriteLine($"  η {learningRate}: {string.Join(", ", results)}");
            }
        }
    }

    private static double RocAuc(TrainedModel model, TabularDataset data) =>
        ClassificationMetrics.Evaluate(data.Labels!, model.Predict(data).Probabilities, model.ClassLabels).RocAuc ?? double.NaN;
}
