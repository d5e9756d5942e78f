using AppHost;
using Microsoft.Extensions.Options;

namespace Monitoring.Testing.Tests;

public sealed class AppHostSettingsTests
{
    [Fact]
    public void Defaults_put_the_services_on_5100_5200_5300_from_the_build_output()
    {
        var settings = AppHostSettings.Load([]);

        Assert.Equal([("predictor", 5100), ("drift", 5200), ("training", 5300)], settings.Services.Select(s => (s.Name, s.Port)));
        var predictor = settings.Services[0];
        Assert.Equal(
            Path.Combine(RepositoryPaths.Root, "artifacts", "bin", "Predictor.Api", settings.BuildConfiguration.ToLowerInvariant(), "Predictor.Api.dll"),
            predictor.AssemblyPath);
        Assert.Equal(9090, settings.Prometheus.Port);
        Assert.Equal(9093, settings.Alertmanager.Port);
    }

    [Fact]
    public void Command_line_overrides_a_port()
    {
        var settings = AppHostSettings.Load(["--Predictor:Port", "5101", "--Prometheus:Enabled", "false"]);

        Assert.Equal(5101, settings.Services.Single(s => s.Name == "predictor").Port);
        Assert.False(settings.Prometheus.Enabled);
    }

    [Fact]
    public void Invalid_port_is_rejected_naming_the_section()
    {
        var failure = Assert.Throws<OptionsValidationException>(() => AppHostSettings.Load(["--Drift:Port", "70000"]));

        Assert.Equal("Drift", failure.OptionsName);
    }

    [Fact]
    public void Services_get_the_variables_Aspire_would_inject()
    {
        var settings = AppHostSettings.Load([]);
        var drift = settings.Services.Single(s => s.Name == "drift");

        var environment = Services.Environment(settings, drift, "Host=127.0.0.1;Database=modeldb");

        Assert.Equal("Host=127.0.0.1;Database=modeldb", environment["ConnectionStrings__modeldb"]);
        Assert.Equal("http://localhost:5200", environment["ASPNETCORE_URLS"]);
        Assert.Equal("Development", environment["ASPNETCORE_ENVIRONMENT"]);
        Assert.Equal("drift", environment["OTEL_SERVICE_NAME"]);
        Assert.StartsWith("service.instance.id=", environment["OTEL_RESOURCE_ATTRIBUTES"], StringComparison.Ordinal);
        Assert.Equal("http://localhost:5100", environment["services__predictor__http__0"]);
        Assert.Equal("http://localhost:5200", environment["services__drift__http__0"]);
        Assert.Equal("http://localhost:5300", environment["services__training__http__0"]);
    }
}
