using Microsoft.Extensions.DependencyInjection;
using Monitoring.IntegrationTests.Infrastructure;
using Monitoring.Testing;
using OpenTelemetry.Exporter;

namespace Monitoring.IntegrationTests.Telemetry;

[Collection(nameof(RecordingTracerProviders))]
public class OtlpExportTests(PostgresFixture postgres)
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task With_OTEL_EXPORTER_OTLP_ENDPOINT_set_metrics_traces_and_logs_are_exported_over_OTLP()
    {
        await using var receiver = await OtlpReceiver.StartAsync(Cancellation);
        await using var service = ServiceProcess.Start("Predictor.Api", new Dictionary<string, string?>
        {
            ["ConnectionStrings__modeldb"] = postgres.ConnectionString,
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = receiver.Endpoint,
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            ["OTEL_METRIC_EXPORT_INTERVAL"] = "500",
            ["OTEL_BSP_SCHEDULE_DELAY"] = "200",
            ["OTEL_BLRP_SCHEDULE_DELAY"] = "200",
        });
        await service.WaitUntilAliveAsync(Cancellation);

        await Eventually.GetAsync(
            async () =>
            {
                using var _ = await service.Client.GetAsync("/info", Cancellation);
                var exported = receiver.PostsTo("/v1/metrics") > 0 && receiver.PostsTo("/v1/traces") > 0 && receiver.PostsTo("/v1/logs") > 0;
                return exported ? receiver : null;
            },
            TimeSpan.FromSeconds(30),
            "OTLP posts of metrics, traces and logs",
            Cancellation);
    }

    [Fact]
    public async Task Without_OTEL_EXPORTER_OTLP_ENDPOINT_no_OTLP_exporter_is_registered()
    {
        var otlpAssembly = typeof(OtlpExporterOptions).Assembly;
        var registered = new List<ServiceDescriptor>();
        await using var predictor = new PredictorFactory(
            postgres.ConnectionString,
            new Dictionary<string, string?> { ["OTEL_EXPORTER_OTLP_ENDPOINT"] = string.Empty },
            services => registered.AddRange(services));
        using var client = predictor.StartAndCreateClient();

        Assert.NotEmpty(registered);
        Assert.DoesNotContain(registered, descriptor =>
            descriptor.ServiceType.Assembly == otlpAssembly
            || descriptor.ImplementationType?.Assembly == otlpAssembly
            || descriptor.ServiceType.GenericTypeArguments.Any(argument => argument.Assembly == otlpAssembly));
    }
}
