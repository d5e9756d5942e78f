extern alias predictor;

using AppHost.Resources;
using Microsoft.Extensions.Logging.Abstractions;
using Monitoring.Data.Database;
using Monitoring.Data.Profiles;
using Npgsql;
using predictor::Predictor.Api.FeatureHistograms;
using predictor::Predictor.Api.PredictionLogging;
using predictor::Predictor.Api.Serving;
using static Predictor.Api.Tests.PredictionLogHarness;

namespace Predictor.Api.Tests;

/// <summary>Streaming feature histograms: the out-of-distribution rule, exact counts under concurrency, and flushing.</summary>
public sealed class FeatureHistogramTests : IDisposable
{
    private static readonly DateTimeOffset s_noon = new(2026, 11, 22, 12, 0, 0, TimeSpan.Zero);
    private readonly string _spill = Directory.CreateTempSubdirectory("feature-bins-").FullName;

    public void Dispose() => Directory.Delete(_spill, recursive: true);

    private static FeatureSchema Schema => new([new("age", FeatureType.Numeric), new("plan", FeatureType.Categorical)]);

    /// <summary>age uniform on 20..69 (mean 44.5, sd ≈ 14.43), plan "basic" three times as often as "pro".</summary>
    private static ReferenceProfile Profile()
    {
        var ages = Enumerable.Range(0, 1000).Select(i => 20.0 + (i % 50)).ToArray();
        var plans = Enumerable.Range(0, 1000).Select(i => i % 4 == 0 ? "pro" : "basic");
        return new ReferenceProfile
        {
            Rows = 1000,
            Features = [ReferenceProfileBuilder.Numeric("age", ages), ReferenceProfileBuilder.Categorical("plan", plans)],
            Outputs = [ReferenceProfileBuilder.Categorical(ReferenceProfile.LabelOutput, ["yes", "no"])],
        };
    }

    private static Prediction Yes => new(Guid.CreateVersion7(), "yes", null, null, null, 0.9);

    [Fact]
    public void A_value_outside_the_training_range_or_an_unseen_category_marks_the_row_drifted()
    {
        var histogram = new FeatureHistogram("churn", 1, Schema, Profile());
        var findings = new FeatureFinding[2];

        var inRange = histogram.Observe([FeatureValue.Of(40), FeatureValue.Of("pro")], Yes, s_noon, findings);
        Assert.False(inRange.Drifted);
        Assert.Equal([FeatureFinding.None, FeatureFinding.None], findings);

        var tooOld = histogram.Observe([FeatureValue.Of(70.5), FeatureValue.Of("basic")], Yes, s_noon, findings);
        Assert.True(tooOld.Drifted);
        Assert.Equal([FeatureFinding.OutOfRange, FeatureFinding.None], findings);

        var unseen = histogram.Observe([FeatureValue.Of(30), FeatureValue.Of("enterprise")], Yes, s_noon, findings);
        Assert.True(unseen.Drifted);
        Assert.Equal([FeatureFinding.None, FeatureFinding.OutOfRange], findings);

        var missing = histogram.Observe([FeatureValue.Of(double.NaN), FeatureValue.Of("basic")], Yes, s_noon, findings);
        Assert.False(missing.Drifted);
        Assert.True(missing.AnyMissing);
        Assert.Equal([FeatureFinding.Missing, FeatureFinding.None], findings);
    }

    [Fact]
    public void A_value_within_range_but_beyond_three_standard_deviations_counts_as_out_of_distribution()
    {
        // Mostly 0 with rare 100s: max is 100, but 100 is far more than 3 sd from the mean.
        var values = Enumerable.Repeat(0.0, 999).Append(100.0).ToArray();
        var profile = ReferenceProfileBuilder.Numeric("x", values);
        Assert.True(profile.IsOutOfDistribution(100));
        Assert.False(profile.IsOutOfDistribution(0));
        Assert.True(profile.IsOutOfDistribution(-0.5));
    }

    [Fact]
    public void A_model_without_a_reference_profile_still_counts_missing_values_but_never_drift()
    {
        var histogram = new FeatureHistogram("churn", 1, Schema, profile: null);
        var findings = new FeatureFinding[2];

        var row = histogram.Observe([FeatureValue.Of(double.NaN), FeatureValue.Of("anything")], Yes, s_noon, findings);

        Assert.False(row.Drifted);
        Assert.Equal([FeatureFinding.Missing, FeatureFinding.None], findings);
        Assert.Empty(histogram.Tracked);
    }

    [Fact]
    public async Task Counts_taken_while_requests_are_counting_add_up_exactly()
    {
        var histogram = new FeatureHistogram("churn", 1, Schema, Profile());
        const int writers = 4, rowsEach = 20_000;
        var taken = new List<MinuteCounts>();
        using var done = new CancellationTokenSource();
        var flusher = Task.Run(() =>
        {
            while (!done.IsCancellationRequested)
            {
                taken.AddRange(histogram.TakeClosedMinutes(before: null));
            }
        }, TestContext.Current.CancellationToken);

        await Task.WhenAll(Enumerable.Range(0, writers).Select(w => Task.Run(() =>
        {
            var findings = new FeatureFinding[2];
            for (var i = 0; i < rowsEach; i++)
            {
                histogram.Observe([FeatureValue.Of(20 + (i % 60)), FeatureValue.Of("basic")], Yes, s_noon.AddSeconds(i % 120), findings);
            }
        }, TestContext.Current.CancellationToken)));
        await done.CancelAsync();
        await flusher;
        taken.AddRange(histogram.TakeClosedMinutes(before: null));

        var age = histogram.Tracked.ToList().IndexOf("age");
        Assert.Equal(writers * rowsEach, taken.Sum(m => m.Slots[age].Sum()));
        // 20..69 lie in the reference range; 70..79 are above it (the last slot).
        var aboveRange = writers * Enumerable.Range(0, rowsEach).Count(i => 20 + (i % 60) > 69);
        Assert.Equal(aboveRange, taken.Sum(m => m.Slots[age][^1]));
        Assert.Equal(aboveRange, taken.Sum(m => m.OutOfRange[age]));
        Assert.Equal(2, taken.Select(m => m.Minute).Distinct().Count());
    }

    [Fact]
    public void A_version_no_longer_served_keeps_its_late_counts_until_the_flush_after_it_was_found_retired()
    {
        var registry = new FeatureHistogramRegistry();
        var histogram = registry.GetOrAdd(new FeatureHistogram("churn", 1, Schema, Profile()));
        var findings = new FeatureFinding[2];
        histogram.Observe([FeatureValue.Of(30), FeatureValue.Of("pro")], Yes, s_noon, findings);

        // First flush after the swap: its minutes are taken, but a request still holding it may count again.
        Assert.Single(histogram.TakeClosedMinutes(before: null));
        registry.Forget(histogram);
        Assert.Contains(histogram, registry.All);
        histogram.Observe([FeatureValue.Of(31), FeatureValue.Of("pro")], Yes, s_noon, findings);

        // Next flush: the late count is still there to take, and the version stays until nothing is left.
        registry.Forget(histogram);
        Assert.Contains(histogram, registry.All);
        var late = Assert.Single(histogram.TakeClosedMinutes(before: null));
        Assert.Equal(1, late.Slots[histogram.Tracked.ToList().IndexOf("age")].Sum());
        registry.Forget(histogram);
        Assert.DoesNotContain(histogram, registry.All);
    }

    [Fact]
    public void A_version_served_again_after_a_rollback_is_not_forgotten()
    {
        var registry = new FeatureHistogramRegistry();
        var histogram = registry.GetOrAdd(new FeatureHistogram("churn", 1, Schema, Profile()));
        registry.Forget(histogram);
        registry.KeepServing(histogram);
        registry.Forget(histogram);
        Assert.Contains(histogram, registry.All);
    }

    [Fact]
    public async Task Counts_reach_feature_bin_counts_and_survive_an_outage_through_the_spill_file()
    {
        var cancellation = TestContext.Current.CancellationToken;
        await using var server = new PostgresServer(new PostgresServerOptions { Name = "postgres-bins" });
        await server.StartAsync(cancellation);
        var db = server.ConnectionString;
        await MigrateAsync(db);

        var profile = Profile();
        var findings = new FeatureFinding[2];

        // First run: 10 rows flushed normally at shutdown.
        await using (var run = await FlusherRun.StartAsync(db, _spill))
        {
            var histogram = run.Serve(profile);
            for (var i = 0; i < 10; i++)
            {
                histogram.Observe([FeatureValue.Of(30), FeatureValue.Of("pro")], Yes, s_noon, findings);
            }
        }

        Assert.Equal(10, await SumAsync(db, "age"));

        // Second run: the database is gone when it stops, so its counts go to the spill file.
        await using (var run = await FlusherRun.StartAsync(db, _spill))
        {
            var histogram = run.Serve(profile);
            for (var i = 0; i < 5; i++)
            {
                histogram.Observe([FeatureValue.Of(30), FeatureValue.Of("pro")], Yes, s_noon, findings);
            }

            await server.StopAsync(cancellation);
        }

        Assert.True(File.Exists(Path.Combine(_spill, FeatureBinFlusher.SpillFileName)));

        // Third run: the spill is replayed and added to the same minute's row.
        await server.StartAsync(cancellation);
        await using (var run = await FlusherRun.StartAsync(db, _spill))
        {
            run.Serve(profile);
            await Eventually(async () => await SumAsync(db, "age") == 15);
        }

        Assert.Equal(15, await SumAsync(db, "age"));
        Assert.Equal(15, await SumAsync(db, ReferenceProfile.LabelOutput));
        Assert.False(File.Exists(Path.Combine(_spill, FeatureBinFlusher.SpillFileName)));
    }

    private static async Task Eventually(Func<Task<bool>> condition)
    {
        for (var attempt = 0; attempt < 100 && !await condition(); attempt++)
        {
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
    }

    private static async Task<long> SumAsync(string connectionString, string feature)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var command = new NpgsqlCommand("select coalesce(sum(c), 0)::bigint from feature_bin_counts, unnest(counts) c where feature = $1", connection)
        {
            Parameters = { new() { Value = feature } },
        };
        return (long)(await command.ExecuteScalarAsync(TestContext.Current.CancellationToken))!;
    }

    /// <summary>A flusher over a real database, started and (on dispose) stopped as the host would.</summary>
    private sealed class FlusherRun : IAsyncDisposable
    {
        private readonly NpgsqlDataSource _dataSource;
        private readonly ModelCatalog _catalog = new();
        private readonly FeatureHistogramRegistry _registry = new();
        private readonly FeatureBinFlusher _flusher;

        private FlusherRun(string connectionString, string spill)
        {
            _dataSource = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(connectionString) { Timeout = 3, CommandTimeout = 10 }.ConnectionString);
            var schema = new ModelSchemaState();
            schema.MarkCurrent();
            _flusher = new FeatureBinFlusher(
                _registry,
                _catalog,
                _dataSource,
                schema,
                Microsoft.Extensions.Options.Options.Create(new FeatureHistogramOptions { FlushInterval = TimeSpan.FromMilliseconds(200) }),
                Microsoft.Extensions.Options.Options.Create(new PredictionLoggingOptions { SpillDirectory = spill }),
                TimeProvider.System,
                NullLogger<FeatureBinFlusher>.Instance);
        }

        public static async Task<FlusherRun> StartAsync(string connectionString, string spill)
        {
            var run = new FlusherRun(connectionString, spill);
            await run._flusher.StartAsync(TestContext.Current.CancellationToken);
            return run;
        }

        public FeatureHistogram Serve(ReferenceProfile profile) => _registry.GetOrAdd(new FeatureHistogram("churn", 1, Schema, profile));

        public async ValueTask DisposeAsync()
        {
            await _flusher.StopAsync(CancellationToken.None);
            _flusher.Dispose();
            _catalog.Dispose();
            await _dataSource.DisposeAsync();
        }
    }
}
