using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Service defaults shared by every service: OpenTelemetry metrics, traces and logs, OTLP export when configured,
/// a Prometheus scrape endpoint, health checks and a service information endpoint. Same public shape as the
/// .NET Aspire ServiceDefaults template, built on the OpenTelemetry core packages.
/// </summary>
public static class Extensions
{
    /// <summary>
    /// On .NET 10 the ASP.NET Core server span carries semantic-convention attributes only with this switch off;
    /// .NET 11 turns it off by default.
    /// </summary>
    private const string SuppressAspNetCoreActivityDataSwitch = "Microsoft.AspNetCore.Hosting.SuppressActivityOpenTelemetryData";

    public static TBuilder AddServiceDefaults<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.ConfigureOpenTelemetry();
        builder.AddDefaultHealthChecks();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddServiceInfo();
        builder.Services.AddOpenApi();
        return builder;
    }

    public static TBuilder ConfigureOpenTelemetry<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        AppContext.SetSwitch(SuppressAspNetCoreActivityDataSwitch, false);

        builder.Logging.AddOpenTelemetry(logging =>
        {
            logging.IncludeFormattedMessage = true;
            logging.IncludeScopes = true;
        });

        // Insert first so the providers exist before any other hosted service starts its work.
        builder.Services.Insert(0, ServiceDescriptor.Singleton<IHostedService, TelemetryHostedService>());
        builder.Services.AddSingleton<IStartupFilter, HttpServerActivityEnrichment.StartupFilter>();
        builder.Services.AddPrometheusScraping();

        var exportsOtlp = !string.IsNullOrWhiteSpace(builder.Configuration[TelemetryConventions.OtlpEndpointKey]);
        var telemetry = new ServiceOpenTelemetryBuilder(builder.Services)
            .ConfigureResource(resource => ServiceResource.Configure(resource, builder.Environment))
            .WithMetrics(metrics => metrics
                .AddMeter(TelemetryConventions.BuiltInMeters)
                .AddMeter(TelemetryConventions.InstrumentationWildcard)
                .AddPrometheusScrapeReader()
                .AddPrometheusFriendlyViews())
            .WithTracing(tracing =>
            {
                tracing
                    .AddSource(builder.Environment.ApplicationName)
                    .AddSource(TelemetryConventions.InstrumentationWildcard)
                    .AddSource(TelemetryConventions.BuiltInActivitySources);

                // Spans with nowhere to go would only cost every request its span and attributes. The SDK reads
                // OTEL_TRACES_SAMPLER itself when set; a sampler set here would override it.
                if (!exportsOtlp && string.IsNullOrWhiteSpace(builder.Configuration[TelemetryConventions.TracesSamplerKey]))
                {
                    tracing.SetSampler(new AlwaysOffSampler());
                }
            })
            .WithLogging();

        if (exportsOtlp)
        {
            telemetry.UseOtlpExporter();
        }

        return builder;
    }

    public static TBuilder AddDefaultHealthChecks<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddHealthChecks()
            // A process that can answer at all is alive; readiness is the job of the other checks.
            .AddCheck("self", () => HealthCheckResult.Healthy("The process is running."), [TelemetryConventions.LiveTag]);
        builder.Services.AddMetrics();
        builder.Services.AddSingleton<IHealthCheckPublisher, HealthMetrics>();
        builder.Services.Configure<HealthCheckPublisherOptions>(options =>
        {
            options.Delay = TimeSpan.FromSeconds(2);
            options.Period = TimeSpan.FromSeconds(10);
        });
        return builder;
    }

    /// <summary>
    /// Maps <c>/health</c> (every check), <c>/alive</c> (live checks), <c>/metrics</c>, <c>/info</c> and the OpenAPI
    /// document <c>/openapi/v1.json</c>. Mapped in every environment: orchestrator probes and Prometheus need them in
    /// production, clients need the document, and none of them reveals a secret.
    /// </summary>
    public static WebApplication MapDefaultEndpoints(this WebApplication app)
    {
        app.MapHealthChecks(TelemetryConventions.HealthEndpointPath, new HealthCheckOptions
        {
            ResponseWriter = HealthReportJsonWriter.WriteAsync,
        });
        app.MapHealthChecks(TelemetryConventions.AliveEndpointPath, new HealthCheckOptions
        {
            Predicate = check => check.Tags.Contains(TelemetryConventions.LiveTag),
            ResponseWriter = HealthReportJsonWriter.WriteAsync,
        });
        app.MapPrometheusScrapingEndpoint();
        app.MapServiceInfo();
        app.MapOpenApi();
        return app;
    }
}
