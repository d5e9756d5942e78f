extern alias predictor;

using System.Diagnostics.Metrics;
using AppHost.Resources;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Monitoring.Data.Database;
using Monitoring.Testing;
using Npgsql;
using predictor::Predictor.Api.PredictionLogging;
using static Predictor.Api.Tests.PredictionLogHarness;

[assembly: AssemblyFixture(typeof(PostgresFixture))]

namespace Predictor.Api.Tests;

public sealed class PredictionLogTests(PostgresFixture postgres) : IDisposable
{
    private readonly string _spill = Directory.CreateTempSubdirectory("predictor-spill-").FullName;

    public void Dispose() => Directory.Delete(_spill, recursive: true);

    private async Task<string> NewDatabaseAsync(string name)
    {
        var connectionString = await postgres.CreateDatabaseAsync(name, TestContext.Current.CancellationToken);
        await MigrateAsync(connectionString);
        return connectionString;
    }

    [Fact]
    public async Task Rows_reach_prediction_logs_with_every_column_intact()
    {
        var db = await NewDatabaseAsync("plog_columns");
        await using var harness = new PredictionLogHarness(db, _spill);
        await harness.StartAsync();
        var rows = Enumerable.Range(0, 10).Select(Row).ToArray();
        foreach (var row in rows)
        {
            Assert.True(harness.Log.TryWrite(row));
        }

        await EventuallyAsync(async () => await CountAsync(db) == rows.Length, "all rows are stored");

        await using var context = Open(db);
        var stored = await context.PredictionLogs.AsNoTracking().ToDictionaryAsync(p => p.Id, TestContext.Current.CancellationToken);
        foreach (var row in rows)
        {
            var log = stored[row.Id];
            Assert.Equal(row.ModelName, log.ModelName);
            Assert.Equal(row.ModelVersion, log.ModelVersion);
            Assert.Equal(row.CreatedAt, log.CreatedAt);
            // json keeps the text as sent: the request's own bytes, and the probabilities exactly as JsonSerializer writes them.
            Assert.Equal(row.FeaturesJson, log.Features);
            Assert.Equal(row.Label, log.Label);
            Assert.Equal(row.ProbabilitiesJson, log.Probabilities);
            Assert.Equal(row.Value, log.Value);
            Assert.Equal(row.Confidence, log.Confidence);
            Assert.Equal(row.LatencyMs, log.LatencyMs);
            Assert.Equal(row.Drifted, log.Drifted);
        }

        Assert.Contains(stored.Values, log => log.Label is null && log.Probabilities is null && log.Confidence is null);
        Assert.Contains(stored.Values, log => log.Value is null);
        Assert.Equal(rows.Length, harness.Queue.Written);
        Assert.Equal(0, harness.Queue.Spilled + harness.Queue.Dropped);
    }

    [Fact]
    public async Task Many_rows_are_written_in_few_copy_batches()
    {
        var db = await NewDatabaseAsync("plog_batches");
        await using var harness = new PredictionLogHarness(db, _spill, options => options.BatchSize = 1000);
        const int count = 5000;
        for (var i = 0; i < count; i++)
        {
            Assert.True(harness.Log.TryWrite(Row(i)));
        }

        Assert.Equal(count, harness.Queue.QueueLength);
        await harness.StartAsync();
        await EventuallyAsync(async () => await CountAsync(db) == count, "all rows are stored");

        Assert.Equal(5, harness.Queue.CopyBatches);
        Assert.Equal(count, harness.Queue.Written);
    }

    [Fact]
    public async Task Rows_logged_while_postgres_is_down_are_stored_exactly_once_after_it_returns()
    {
        var cancellation = TestContext.Current.CancellationToken;
        await using var server = new PostgresServer(new PostgresServerOptions { Name = "postgres-outage" });
        await server.StartAsync(cancellation);
        var db = server.ConnectionString;
        await MigrateAsync(db);
        await using var harness = new PredictionLogHarness(db, _spill, options => options.BatchSize = 200);
        await harness.StartAsync();

        var accepted = 0;
        var i = 0;
        void Predict(int rows)
        {
            for (var end = i + rows; i < end; i++)
            {
                accepted += harness.Log.TryWrite(Row(i)) ? 1 : 0;
            }
        }

        Predict(1000);
        await EventuallyAsync(async () => await CountAsync(db) == 1000, "the first rows are stored");

        await server.StopAsync(cancellation);
        Predict(1000);
        await EventuallyAsync(() => Task.FromResult(harness.Queue.Spilled > 0 && harness.Queue.QueueLength == 0), "rows spill while the database is down");
        Assert.False(harness.Writer.DatabaseReachable);
        var health = new PredictionLogHealthCheck(harness.Queue, harness.Writer);
        Assert.Equal(HealthStatus.Degraded, (await health.CheckHealthAsync(new HealthCheckContext(), cancellation)).Status);
        Predict(500);

        await server.StartAsync(cancellation);
        Predict(500);

        await EventuallyAsync(async () => await CountAsync(db) == accepted && !harness.Queue.Spill.HasData, "every accepted row is stored and the spill is empty", 45);
        Assert.Equal(3000, accepted);
        Assert.Equal(3000, await DistinctIdsAsync(db));
        Assert.Equal(0, harness.Queue.Dropped);
        Assert.Equal(harness.Queue.Spilled, harness.Queue.Replayed);
        Assert.Equal(3000, harness.Queue.Written + harness.Queue.Replayed);
        Assert.True(harness.Writer.DatabaseReachable);
        Assert.Empty(Directory.EnumerateFiles(_spill));
        Assert.Equal(HealthStatus.Healthy, (await health.CheckHealthAsync(new HealthCheckContext(), cancellation)).Status);
    }

    [Fact]
    public async Task The_spill_survives_a_restart_and_replays_exactly_once()
    {
        const int count = 300;
        await using (var down = new PredictionLogHarness(Unreachable(), _spill))
        {
            await down.StartAsync();
            for (var i = 0; i < count; i++)
            {
                Assert.True(down.Log.TryWrite(Row(i)));
            }

            await down.StopAsync();
            Assert.Equal(count, down.Queue.Spilled);
            Assert.Equal(0, down.Queue.Dropped);
        }

        Assert.NotEmpty(Directory.EnumerateFiles(_spill));
        var db = await NewDatabaseAsync("plog_restart");
        await using var up = new PredictionLogHarness(db, _spill);
        Assert.True(up.Queue.Spill.HasData);
        await up.StartAsync();
        await EventuallyAsync(async () => await CountAsync(db) == count && !up.Queue.Spill.HasData, "the spilled rows are replayed");
        Assert.Equal(count, await DistinctIdsAsync(db));
        Assert.Equal(count, up.Queue.Replayed);
        Assert.Empty(Directory.EnumerateFiles(_spill));
    }

    [Fact]
    public async Task A_torn_last_spill_record_is_skipped_and_counted_and_the_rest_replay()
    {
        const int count = 20;
        await using (var down = new PredictionLogHarness(Unreachable(), _spill))
        {
            await down.StartAsync();
            for (var i = 0; i < count; i++)
            {
                down.Log.TryWrite(Row(i));
            }

            await down.StopAsync();
            Assert.Equal(count, down.Queue.Spilled);
        }

        // A crash in the middle of the last append: its record is cut short.
        var last = Directory.EnumerateFiles(_spill).Order(StringComparer.Ordinal).Last();
        await using (var file = new FileStream(last, FileMode.Open))
        {
            file.SetLength(file.Length - 7);
        }

        var db = await NewDatabaseAsync("plog_torn");
        await using var up = new PredictionLogHarness(db, _spill);
        await up.StartAsync();
        await EventuallyAsync(async () => !up.Queue.Spill.HasData, "the spill is replayed");
        Assert.Equal(count - 1, await CountAsync(db));
        Assert.Equal(count - 1, up.Queue.Replayed);
        Assert.Equal(1, up.Queue.TornRecords);
        Assert.Equal(1, up.Queue.Dropped);
    }

    [Fact]
    public async Task Rows_are_dropped_only_when_queue_and_spill_are_full_and_every_drop_is_counted()
    {
        const int count = 200;
        long droppedByMetric = 0;
        int accepted = 0;
        long dropped;
        await using (var down = new PredictionLogHarness(Unreachable(), _spill, options =>
        {
            options.QueueCapacity = 5;
            options.MaxSpillBytes = 4096;
        }))
        {
            using var listener = new MeterListener();
            listener.InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Name == "ml.prediction_log.rows" && ReferenceEquals(instrument.Meter.Scope, down.MeterFactory))
                {
                    l.EnableMeasurementEvents(instrument);
                }
            };
            listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
            {
                foreach (var tag in tags)
                {
                    if (tag is { Key: "outcome", Value: "dropped" })
                    {
                        Interlocked.Add(ref droppedByMetric, value);
                    }
                }
            });
            listener.Start();

            for (var i = 0; i < count; i++)
            {
                accepted += down.Log.TryWrite(Row(i)) ? 1 : 0;
            }

            Assert.InRange(accepted, 6, count - 1);
            await down.StartAsync();
            await down.StopAsync();
            dropped = down.Queue.Dropped;
            Assert.Equal(dropped, Interlocked.Read(ref droppedByMetric));
            Assert.True(down.Queue.Spill.Bytes <= 4096);
            Assert.Equal(count, down.Queue.Spilled + dropped);
        }

        var db = await NewDatabaseAsync("plog_dropped");
        await using var up = new PredictionLogHarness(db, _spill);
        await up.StartAsync();
        await EventuallyAsync(async () => !up.Queue.Spill.HasData, "the spill is replayed");
        Assert.Equal(count - dropped, await CountAsync(db));
        Assert.True(dropped > 0);
    }

    [Fact]
    public async Task Rows_written_while_the_queue_closes_are_each_drained_or_spilled_and_none_is_left_behind()
    {
        const int writers = 4;
        using var meters = new ServiceCollection().AddMetrics().BuildServiceProvider();
        using var queue = new PredictionLogQueue(Options.Create(new PredictionLoggingOptions { SpillDirectory = _spill }), meters.GetRequiredService<IMeterFactory>());
        var attempts = new long[writers];
        var accepted = 0L;
        // Each request thread writes until rows it writes go to the spill (the queue has closed), then a few more; the
        // bound only ends a run whose queue never closes.
        var requests = Enumerable.Range(0, writers).Select(w => Task.Run(() =>
        {
            var afterClose = 0;
            for (var i = 0; afterClose < 100 && i < 500_000; i++)
            {
                attempts[w]++;
                if (queue.TryWrite(Row((w * 1_000_000) + i).ToEntry()))
                {
                    Interlocked.Increment(ref accepted);
                }

                afterClose += queue.Spilled > 0 ? 1 : 0;
            }
        })).ToArray();

        Assert.True(SpinWait.SpinUntil(() => queue.QueueLength > 1_000, TimeSpan.FromSeconds(30)), "rows were queued");
        queue.Complete();
        var batch = new PredictionLogRow[1_000];
        long drained = 0;
        int taken;
        while ((taken = queue.TakeQueued(batch)) > 0)
        {
            drained += taken;
            foreach (var row in batch.AsSpan(0, taken))
            {
                row.Release();
            }
        }

        await Task.WhenAll(requests);
        Assert.Equal(0, queue.TakeQueued(batch));
        Assert.Equal(attempts.Sum(), Interlocked.Read(ref accepted));
        Assert.Equal(attempts.Sum(), drained + queue.Spilled);
        Assert.Equal(0, queue.Dropped);
    }

    [Fact]
    public async Task When_disabled_TryWrite_is_a_no_op()
    {
        await using var harness = new PredictionLogHarness(Unreachable(), _spill, options => options.Enabled = false);
        Assert.False(harness.Log.TryWrite(Row(1)));
        Assert.Equal(0, harness.Queue.QueueLength);
        Assert.False(harness.Queue.Spill.HasData);
    }

    [Fact]
    public async Task Bad_settings_fail_the_start_with_a_message_naming_them()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["PredictionLogging:BatchSize"] = "0",
            ["PredictionLogging:QueueCapacity"] = "-5",
            ["PredictionLogging:MaxSpillBytes"] = "-1",
            ["PredictionLogging:SpillDirectory"] = _spill,
        });
        builder.Services.AddSingleton(NpgsqlDataSource.Create(Unreachable()));
        builder.Services.AddSingleton<ModelSchemaState>();
        predictor::Microsoft.Extensions.Hosting.PredictionLoggingExtensions.AddPredictionLogging(builder);
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(TestContext.Current.CancellationToken));
        Assert.Contains("PredictionLogging:BatchSize", error.Message, StringComparison.Ordinal);
        Assert.Contains("PredictionLogging:QueueCapacity", error.Message, StringComparison.Ordinal);
        Assert.Contains("PredictionLogging:MaxSpillBytes", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Default_settings_are_valid_and_the_spill_lives_under_the_content_root()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, ContentRootPath = _spill });
        builder.Services.AddSingleton(NpgsqlDataSource.Create(Unreachable()));
        builder.Services.AddSingleton<ModelSchemaState>();
        predictor::Microsoft.Extensions.Hosting.PredictionLoggingExtensions.AddPredictionLogging(builder);
        using var provider = builder.Services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        Assert.Contains(provider.GetServices<IHostedService>(), service => service is PredictionLogWriter);
        Assert.IsType<PredictionLogQueue>(provider.GetRequiredService<IPredictionLog>());
        Assert.Contains(provider.GetRequiredService<IOptions<HealthCheckServiceOptions>>().Value.Registrations, registration => registration.Name == "prediction-log");
        var options = provider.GetRequiredService<IOptions<PredictionLoggingOptions>>().Value;
        Assert.Equal(Path.Combine(_spill, ".local", "spill", "predictor"), options.SpillDirectory);
        Assert.Equal(50_000, options.QueueCapacity);
        Assert.Equal(5_000, options.BatchSize);
        Assert.Equal(TimeSpan.FromSeconds(1), options.FlushInterval);
        Assert.Equal(256L * 1024 * 1024, options.MaxSpillBytes);
        Assert.True(options.Enabled);
    }
}
