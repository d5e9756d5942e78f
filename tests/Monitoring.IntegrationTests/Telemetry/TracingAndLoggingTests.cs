using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Monitoring.IntegrationTests.Infrastructure;
using Monitoring.Testing;
using OpenTelemetry;
using OpenTelemetry.Logs;
using OpenTelemetry.Trace;

namespace Monitoring.IntegrationTests.Telemetry;

/// <summary>What the service defaults trace and log, seen through processors added to the real providers.</summary>
[Collection(nameof(RecordingTracerProviders))]
public class TracingAndLoggingTests(PostgresFixture postgres)
{
    /// <summary>The SDK's own default sampler, which applies when an OTLP endpoint is set; without one it must be asked for.</summary>
    private static readonly Dictionary<string, string?> RecordingSpans = new() { ["OTEL_TRACES_SAMPLER"] = "parentbased_always_on" };

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Server_spans_carry_route_and_status_and_probes_are_not_recorded()
    {
        var spans = new SpanCollector();
        await using var predictor = new PredictorFactory(
            postgres.ConnectionString,
            RecordingSpans,
            services => services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddProcessor(spans)));
        using var client = predictor.StartAndCreateClient();

        // Listeners are process-wide and other tests run in parallel: send a sampled trace of our own and look only at it.
        var traceId = ActivityTraceId.CreateRandom();
        foreach (var path in new[] { "/health", "/alive", "/metrics", "/info", "/no-such-route" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            request.Headers.Add("traceparent", $"00-{traceId}-{ActivitySpanId.CreateRandom()}-01");
            using var _ = await client.SendAsync(request, Cancellation);
        }

        var info = await Eventually.GetAsync(() => Task.FromResult(spans.Find(span => span.TraceId == traceId && span.GetTagItem("url.path") as string == "/info")), TimeSpan.FromSeconds(10), "the /info span", Cancellation);
        Assert.Equal("Microsoft.AspNetCore", info.Source.Name);
        Assert.Equal(ActivityKind.Server, info.Kind);
        Assert.Equal("GET /info", info.DisplayName);
        Assert.Equal("/info", info.GetTagItem("http.route"));
        Assert.Equal(200, info.GetTagItem("http.response.status_code"));

        var notFound = await Eventually.GetAsync(() => Task.FromResult(spans.Find(span => span.TraceId == traceId && span.GetTagItem("url.path") as string == "/no-such-route")), TimeSpan.FromSeconds(10), "the 404 span", Cancellation);
        Assert.Equal(404, notFound.GetTagItem("http.response.status_code"));
        Assert.Null(notFound.GetTagItem("http.route"));

        // Probes and scrapes, and the database calls of the health check under them, leave no spans behind.
        var ours = spans.All.Where(span => span.TraceId == traceId).ToList();
        Assert.Equal(["/info", "/no-such-route"], ours.Select(span => span.GetTagItem("url.path") as string).Order());
        Assert.DoesNotContain(ours, span => span.Source.Name == "Npgsql");
    }

    [Fact]
    public async Task Database_calls_outside_probes_are_traced_through_Npgsql()
    {
        var spans = new SpanCollector();
        await using var predictor = new PredictorFactory(
            postgres.ConnectionString,
            RecordingSpans,
            services => services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddProcessor(spans)));
        using var client = predictor.StartAndCreateClient();
        var dataSource = predictor.Services.GetRequiredService<Npgsql.NpgsqlDataSource>();

        await using (var command = dataSource.CreateCommand("SELECT 42"))
        {
            Assert.Equal(42, await command.ExecuteScalarAsync(Cancellation));
        }

        var query = await Eventually.GetAsync(() => Task.FromResult(spans.Find(span => span.Source.Name == "Npgsql" && span.Kind == ActivityKind.Client && (span.GetTagItem("db.query.text") as string) == "SELECT 42")), TimeSpan.FromSeconds(10), "an Npgsql client span", Cancellation);
        Assert.Equal("postgresql", query.GetTagItem("db.system.name"));
    }

    [Fact]
    public async Task Without_an_OTLP_endpoint_or_a_sampler_setting_no_span_is_recorded_but_requests_keep_the_callers_trace()
    {
        var spans = new SpanCollector();
        var requestTraces = new ConcurrentQueue<ActivityTraceId?>();
        await using var predictor = new PredictorFactory(
            postgres.ConnectionString,
            new Dictionary<string, string?> { ["OTEL_EXPORTER_OTLP_ENDPOINT"] = string.Empty, ["OTEL_TRACES_SAMPLER"] = string.Empty },
            services => services
                .ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddProcessor(spans))
                // What the request's own code (and every log it writes) sees as the current trace.
                .AddSingleton<IStartupFilter>(new CurrentTraceRecorder(requestTraces)));
        using var client = predictor.StartAndCreateClient();

        // Not even a caller's sampled trace: with nowhere to send them, spans would only cost every request.
        var traceId = ActivityTraceId.CreateRandom();
        foreach (var path in new[] { "/info", "/no-such-route" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            request.Headers.Add("traceparent", $"00-{traceId}-{ActivitySpanId.CreateRandom()}-01");
            using var _ = await client.SendAsync(request, Cancellation);
        }

        // The last request's span ends after its reply is sent; a probe after it ends after that.
        using var alive = await client.GetAsync("/alive", Cancellation);
        Assert.DoesNotContain(spans.All, span => span.TraceId == traceId);
        Assert.Equal([traceId, traceId], requestTraces.Take(2));
    }

    [Fact]
    public async Task Logs_go_through_OpenTelemetry_with_formatted_messages_and_scopes()
    {
        var logs = new LogCollector();
        await using var predictor = new PredictorFactory(
            postgres.ConnectionString,
            configureServices: services => services.ConfigureOpenTelemetryLoggerProvider(logging => logging.AddProcessor(logs)));
        using var client = predictor.StartAndCreateClient();
        var logger = predictor.Services.GetRequiredService<ILoggerFactory>().CreateLogger("IntegrationTest");

        using (logger.BeginScope(new Dictionary<string, object> { ["JobId"] = 17 }))
        {
            logger.LogWarning("Model {Model} drifted", "credit");
        }

        var record = Assert.Single(logs.All, r => r.Category == "IntegrationTest");
        Assert.Equal("Model credit drifted", record.FormattedMessage);
        Assert.Contains(new KeyValuePair<string, object?>("JobId", 17), record.Scopes);
    }

    private sealed class CurrentTraceRecorder(ConcurrentQueue<ActivityTraceId?> traces) : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((context, nextMiddleware) =>
            {
                traces.Enqueue(Activity.Current?.TraceId);
                return nextMiddleware(context);
            });
            next(app);
        };
    }

    private sealed class SpanCollector : BaseProcessor<Activity>
    {
        private readonly ConcurrentQueue<Activity> _ended = new();

        public IReadOnlyCollection<Activity> All => _ended;

        public Activity? Find(Func<Activity, bool> predicate) => _ended.FirstOrDefault(predicate);

        public override void OnEnd(Activity data) => _ended.Enqueue(data);
    }

    private sealed record CapturedLog(string? Category, string? FormattedMessage, IReadOnlyList<KeyValuePair<string, object?>> Scopes);

    private sealed class LogCollector : BaseProcessor<LogRecord>
    {
        private readonly ConcurrentQueue<CapturedLog> _records = new();

        public IReadOnlyCollection<CapturedLog> All => _records;

        // Log records are pooled; keep the fields the test reads, not the instance.
        public override void OnEnd(LogRecord data)
        {
            var scopes = new List<KeyValuePair<string, object?>>();
            data.ForEachScope(
                (scope, state) =>
                {
                    foreach (var item in scope)
                    {
                        state.Add(item);
                    }
                },
                scopes);
            _records.Enqueue(new CapturedLog(data.CategoryName, data.FormattedMessage, scopes));
        }
    }
}
