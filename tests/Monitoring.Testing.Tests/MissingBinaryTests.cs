using AppHost.Resources;

namespace Monitoring.Testing.Tests;

public sealed class MissingBinaryTests
{
    [Fact]
    public async Task Missing_PostgreSQL_names_the_package_to_install()
    {
        await using var server = new PostgresServer(new PostgresServerOptions { BinDirectory = "/nonexistent/bin" });

        var failure = await Assert.ThrowsAsync<ResourceNotInstalledException>(() => server.StartAsync(TestContext.Current.CancellationToken));

        Assert.Contains("apt-get install -y postgresql", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Missing_Prometheus_names_the_package_to_install()
    {
        await using var server = new PrometheusServer(new PrometheusServerOptions { BinaryPath = "/nonexistent/prometheus" });

        var failure = await Assert.ThrowsAsync<ResourceNotInstalledException>(() => server.StartAsync(TestContext.Current.CancellationToken));

        Assert.Contains("apt-get install -y prometheus", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Missing_Alertmanager_names_the_package_to_install()
    {
        await using var server = new AlertmanagerServer(new AlertmanagerServerOptions { BinaryPath = "/nonexistent/alertmanager" });

        var failure = await Assert.ThrowsAsync<ResourceNotInstalledException>(() => server.StartAsync(TestContext.Current.CancellationToken));

        Assert.Contains("apt-get install -y prometheus-alertmanager", failure.Message, StringComparison.Ordinal);
    }
}
