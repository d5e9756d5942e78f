using AppHost.Resources;
using Deploy.Tests.Infrastructure;
using Monitoring.Testing;

namespace Deploy.Tests.Alertmanager;

/// <summary>The configs AppHost generates for local runs from deploy/: same rules and routing, local addresses.</summary>
public sealed class AppHostMonitoringTests
{
    [Fact]
    public async Task Local_prometheus_config_loads_every_rule_file_alerts_alertmanager_and_passes_promtool()
    {
        var promtool = ExternalTool.Require("promtool", "prometheus");
        var options = AppHost.MonitoringStack.LocalPrometheusOptions(
            RepositoryPaths.Root,
            [new PrometheusScrapeJob("predictor", ["localhost:5100"]), new PrometheusScrapeJob("drift", ["localhost:5200"]), new PrometheusScrapeJob("training", ["localhost:5300"])],
            "127.0.0.1:9093",
            TimeSpan.FromSeconds(10));

        Assert.Equal(DeployPaths.RuleFiles, options.RuleFiles);
        Assert.Equal(TimeSpan.FromDays(30), options.Retention);
        Assert.Equal(["predictor", "drift", "training", "alertmanager"], options.ScrapeJobs.Select(job => job.JobName));

        var config = PrometheusServer.GenerateConfig(options, options.ScrapeJobs, 9090);
        Assert.Contains("targets: ['127.0.0.1:9093']", config, StringComparison.Ordinal);
        Assert.DoesNotContain("predictor:8080", config, StringComparison.Ordinal);
        var path = Path.Combine(Path.GetTempPath(), $"prometheus-{Guid.NewGuid():N}.yml");
        try
        {
            await File.WriteAllTextAsync(path, config, TestContext.Current.CancellationToken);

            var result = await ExternalTool.RunAsync(promtool, ["check", "config", path], cancellationToken: TestContext.Current.CancellationToken);

            Assert.True(result.ExitCode == 0, result.Output);
            Assert.Contains($"{DeployPaths.RuleFiles.Count} rule files found", result.Output, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task Local_alertmanager_config_is_the_production_routing_posting_to_the_local_drift_service()
    {
        var amtool = ExternalTool.Require("amtool", "prometheus-alertmanager");
        var deployed = await File.ReadAllTextAsync(DeployPaths.AlertmanagerConfig, TestContext.Current.CancellationToken);
        Assert.Equal(1, deployed.Split(AppHost.MonitoringStack.DeployedDriftWebhookUrl).Length - 1);

        var local = AppHost.MonitoringStack.LocalAlertmanagerConfig(deployed, new Uri("http://localhost:5200/alerts"));

        Assert.Contains("url: http://localhost:5200/alerts", local, StringComparison.Ordinal);
        Assert.DoesNotContain("drift:8080", local, StringComparison.Ordinal);
        var result = await AlertmanagerConfigTests.CheckConfigTextAsync(amtool, local);
        Assert.True(result.ExitCode == 0, result.Output);
    }
}
