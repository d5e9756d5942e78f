using System.Diagnostics.Metrics;

namespace ServiceDefaults.Tests.Prometheus;

/// <summary>
/// What <c>/metrics</c> writes for real instruments, in the Prometheus text format 0.0.4 and OpenMetrics 1.0.
/// Expected lines follow the exposition format specifications and the OpenTelemetry Prometheus compatibility rules.
/// </summary>
public class PrometheusExpositionTests
{
    [Fact]
    public async Task A_counter_gets_total_type_help_and_scope_labels()
    {
        using var harness = new MeterHarness(meterVersion: "1.2");
        var counter = harness.Meter.CreateCounter<long>("ml.predictions", description: "Predictions served.");
        counter.Add(3, new KeyValuePair<string, object?>("model", "credit"));

        var text = await harness.ScrapeAsync();

        Assert.Contains("# TYPE ml_predictions_total counter\n# HELP ml_predictions_total Predictions served.\n", text);
        Assert.Contains($"ml_predictions_total{{otel_scope_name=\"{harness.MeterName}\",otel_scope_version=\"1.2\",model=\"credit\"}} 3\n", text);
    }

    [Fact]
    public async Task OpenMetrics_names_the_counter_family_without_total_and_ends_with_eof()
    {
        using var harness = new MeterHarness();
        harness.Meter.CreateCounter<double>("ml.training.time", unit: "s", description: "Training time.").Add(1.5);

        var text = await harness.ScrapeAsync(openMetrics: true);

        Assert.Contains(
            "# TYPE ml_training_time_seconds counter\n# UNIT ml_training_time_seconds seconds\n# HELP ml_training_time_seconds Training time.\n" +
            $"ml_training_time_seconds_total{{otel_scope_name=\"{harness.MeterName}\"}} 1.5\n",
            text);
        Assert.EndsWith("# EOF\n", text);
    }

    [Fact]
    public async Task Histograms_are_cumulative_buckets_ending_with_inf_then_sum_and_count()
    {
        using var harness = new MeterHarness();
        var histogram = harness.Meter.CreateHistogram<double>(
            "ml.prediction.duration",
            unit: "s",
            description: "Prediction latency.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.01, 0.1, 1] });
        foreach (var value in new[] { 0.005, 0.05, 0.05, 0.5, 2.0 })
        {
            histogram.Record(value);
        }

        var text = await harness.ScrapeAsync();

        var scope = $"otel_scope_name=\"{harness.MeterName}\"";
        Assert.Equal(
            [
                $"ml_prediction_duration_seconds_bucket{{{scope},le=\"0.01\"}} 1",
                $"ml_prediction_duration_seconds_bucket{{{scope},le=\"0.1\"}} 3",
                $"ml_prediction_duration_seconds_bucket{{{scope},le=\"1\"}} 4",
                $"ml_prediction_duration_seconds_bucket{{{scope},le=\"+Inf\"}} 5",
                $"ml_prediction_duration_seconds_sum{{{scope}}} 2.605",
                $"ml_prediction_duration_seconds_count{{{scope}}} 5",
            ],
            MeterHarness.Samples(text, "ml_prediction_duration_seconds"));
        Assert.Contains("# TYPE ml_prediction_duration_seconds histogram\n", text);
    }

    [Fact]
    public async Task OpenMetrics_writes_bucket_bounds_in_canonical_form()
    {
        using var harness = new MeterHarness();
        var histogram = harness.Meter.CreateHistogram<double>(
            "latency", unit: "s", advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.5, 5] });
        histogram.Record(1);

        var text = await harness.ScrapeAsync(openMetrics: true);

        Assert.Contains("le=\"0.5\"} 0\n", text);
        Assert.Contains("le=\"5.0\"} 1\n", text);
        Assert.Contains("le=\"+Inf\"} 1\n", text);
        Assert.Contains("# UNIT latency_seconds seconds\n", text);
    }

    [Fact]
    public async Task A_user_le_attribute_is_dropped_on_histograms()
    {
        using var harness = new MeterHarness();
        harness.Meter.CreateHistogram<long>("sizes", advice: new InstrumentAdvice<long> { HistogramBucketBoundaries = [10] })
            .Record(3, new KeyValuePair<string, object?>("le", "mine"));

        var text = await harness.ScrapeAsync();

        Assert.DoesNotContain("le=\"mine\"", text);
        Assert.Contains("sizes_bucket{otel_scope_name=\"" + harness.MeterName + "\",le=\"10\"} 1\n", text);
    }

    [Fact]
    public async Task Gauges_and_up_down_counters_are_gauges_and_integers_print_as_integers()
    {
        using var harness = new MeterHarness();
        harness.Meter.CreateUpDownCounter<long>("ml.prediction_log.queue", description: "Rows waiting.").Add(7);
        harness.Meter.CreateObservableGauge("ml.drift.share", () => 0.25, unit: "1", description: "Share of drifted features.");

        var text = await harness.ScrapeAsync();

        Assert.Contains("# TYPE ml_prediction_log_queue gauge\n", text);
        Assert.Contains("ml_prediction_log_queue{otel_scope_name=\"" + harness.MeterName + "\"} 7\n", text);
        Assert.Contains("# TYPE ml_drift_share gauge\n", text);
        Assert.Contains("ml_drift_share{otel_scope_name=\"" + harness.MeterName + "\"} 0.25\n", text);
    }

    [Fact]
    public async Task Label_values_escape_backslash_quote_and_newline()
    {
        using var harness = new MeterHarness();
        harness.Meter.CreateCounter<long>("escapes", description: "x").Add(1, new KeyValuePair<string, object?>("path", "C:\\dir \"q\"\nnext"));

        var text = await harness.ScrapeAsync();

        Assert.Contains("path=\"C:\\\\dir \\\"q\\\"\\nnext\"", text);
    }

    [Fact]
    public async Task Help_text_escapes_backslash_and_newline_and_quotes_only_in_OpenMetrics()
    {
        using var harness = new MeterHarness();
        harness.Meter.CreateCounter<long>("helpful", description: "Line one\nsays \"a\\b\"").Add(1);

        var prometheusText = await harness.ScrapeAsync();
        var openMetrics = await harness.ScrapeAsync(openMetrics: true);

        Assert.Contains("# HELP helpful_total Line one\\nsays \"a\\\\b\"\n", prometheusText);
        Assert.Contains("# HELP helpful Line one\\nsays \\\"a\\\\b\\\"\n", openMetrics);
    }

    [Fact]
    public async Task A_family_without_description_still_gets_help_text()
    {
        using var harness = new MeterHarness();
        harness.Meter.CreateCounter<long>("undocumented").Add(1);

        var text = await harness.ScrapeAsync();

        Assert.Contains($"# HELP undocumented_total undocumented from {harness.MeterName}\n", text);
    }

    [Fact]
    public async Task Attribute_keys_are_sanitised_and_colliding_keys_join_their_values_in_key_order()
    {
        using var harness = new MeterHarness();
        harness.Meter.CreateCounter<long>("collide", description: "x").Add(
            1,
            new KeyValuePair<string, object?>("model.name", "b"),
            new KeyValuePair<string, object?>("model_name", "a"),
            new KeyValuePair<string, object?>("http.route", "/predict"));

        var text = await harness.ScrapeAsync();

        // "model.name" < "model_name" ordinally ('.' is 0x2E, '_' is 0x5F).
        Assert.Contains("model_name=\"b;a\"", text);
        Assert.Contains("http_route=\"/predict\"", text);
    }

    [Fact]
    public async Task Target_info_carries_the_resource_in_both_formats()
    {
        using var harness = new MeterHarness(resource: [new("service.name", "predictor"), new("service.version", "1.0.0")]);
        harness.Meter.CreateCounter<long>("anything", description: "x").Add(1);

        var prometheusText = await harness.ScrapeAsync();
        var openMetrics = await harness.ScrapeAsync(openMetrics: true);

        Assert.StartsWith(
            "# TYPE target_info gauge\n# HELP target_info Target metadata\ntarget_info{service_name=\"predictor\",service_version=\"1.0.0\"} 1\n",
            prometheusText);
        Assert.StartsWith(
            "# TYPE target info\n# HELP target Target metadata\ntarget_info{service_name=\"predictor\",service_version=\"1.0.0\"} 1\n",
            openMetrics);
    }

    [Fact]
    public async Task Two_instruments_with_one_name_but_different_types_export_only_the_first()
    {
        using var harness = new MeterHarness();
        harness.Meter.CreateUpDownCounter<long>("clash", description: "first").Add(1);
        harness.Meter.CreateHistogram<long>("clash", description: "second").Record(1);

        var text = await harness.ScrapeAsync();

        Assert.Contains("# TYPE clash gauge\n", text);
        Assert.DoesNotContain("clash_bucket", text);
        Assert.Single(text.Split('\n'), line => line.StartsWith("# TYPE clash", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Non_finite_values_are_written_as_Prometheus_spells_them()
    {
        using var harness = new MeterHarness();
        harness.Meter.CreateObservableGauge("nan_gauge", () => double.NaN, description: "x");
        harness.Meter.CreateObservableGauge("inf_gauge", () => double.PositiveInfinity, description: "x");

        var text = await harness.ScrapeAsync();

        Assert.Contains("nan_gauge{otel_scope_name=\"" + harness.MeterName + "\"} NaN\n", text);
        Assert.Contains("inf_gauge{otel_scope_name=\"" + harness.MeterName + "\"} +Inf\n", text);
    }

    [Fact]
    public async Task Scrapes_that_arrive_during_a_collection_share_its_snapshot()
    {
        using var collecting = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var collections = 0;
        using var harness = new MeterHarness();
        harness.Meter.CreateObservableGauge("slow_gauge", () =>
        {
            Interlocked.Increment(ref collections);
            collecting.Set();
            release.Wait(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
            return 1.0;
        }, description: "x");

        var first = harness.Exporter.ScrapeAsync(TimeSpan.FromSeconds(20));
        Assert.True(collecting.Wait(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken), "the collection did not start");
        var second = harness.Exporter.ScrapeAsync(TimeSpan.FromSeconds(20));
        release.Set();

        Assert.Same(await first, await second);
        Assert.Equal(1, collections);

        // A scrape after that collection finished collects afresh.
        var third = await harness.Exporter.ScrapeAsync(TimeSpan.FromSeconds(20));
        Assert.NotSame(await first, third);
        Assert.Equal(2, collections);
    }

    [Fact]
    public async Task Concurrent_scrapes_under_load_each_return_one_complete_exposition()
    {
        using var harness = new MeterHarness();
        var counter = harness.Meter.CreateCounter<long>("busy", description: "x");
        counter.Add(1, new KeyValuePair<string, object?>("shard", 0));
        using var stop = new CancellationTokenSource();
        var writer = Task.Run(
            () =>
        {
            var i = 0;
            while (!stop.IsCancellationRequested)
            {
                counter.Add(1, new KeyValuePair<string, object?>("shard", i++ % 50));
            }
        },
            TestContext.Current.CancellationToken);

        var scrapes = await Task.WhenAll(Enumerable.Range(0, 32).Select(_ => Task.Run(() => harness.ScrapeAsync(openMetrics: true), TestContext.Current.CancellationToken)));
        await stop.CancelAsync();
        await writer;

        foreach (var text in scrapes)
        {
            Assert.EndsWith("# EOF\n", text);
            Assert.Single(text.Split('\n'), line => line == "# TYPE busy counter");
            var shards = MeterHarness.Samples(text, "busy_total").Select(line => line.Split("shard=")[1].Split('"')[1]).ToList();
            Assert.Equal(shards.Count, shards.Distinct().Count());
        }
    }
}
