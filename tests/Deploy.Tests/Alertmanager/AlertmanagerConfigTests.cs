using System.Text.RegularExpressions;
using Deploy.Tests.Infrastructure;

namespace Deploy.Tests.Alertmanager;

public sealed partial class AlertmanagerConfigTests
{
    [Fact]
    public async Task Config_passes_amtool_check_config()
    {
        var amtool = ExternalTool.Require("amtool", "prometheus-alertmanager");

        var result = await ExternalTool.RunAsync(amtool, ["check-config", DeployPaths.AlertmanagerConfig], cancellationToken: TestContext.Current.CancellationToken);

        Assert.True(result.ExitCode == 0, result.Output);
    }

    [Fact]
    public async Task Commented_slack_and_pagerduty_examples_pass_amtool_check_config_and_read_secrets_from_files()
    {
        var amtool = ExternalTool.Require("amtool", "prometheus-alertmanager");
        var text = await File.ReadAllTextAsync(DeployPaths.AlertmanagerConfig, TestContext.Current.CancellationToken);
        var receivers = text.IndexOf("\nreceivers:", StringComparison.Ordinal);
        Assert.True(receivers > 0, "no receivers section");
        var uncommented = text[..receivers] + CommentedReceiverLine().Replace(text[receivers..], "    ${rest}");
        Assert.Contains("api_url_file:", uncommented, StringComparison.Ordinal);
        Assert.Contains("routing_key_file:", uncommented, StringComparison.Ordinal);
        Assert.DoesNotMatch(@"(?m)^\s*(api_url|routing_key|service_key):", uncommented);

        var result = await CheckConfigTextAsync(amtool, uncommented);

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Contains("pagerduty_configs", uncommented, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("drift-webhook,pager", "alertname=MlModelNotLoaded", "severity=critical", "model=churn")]
    [InlineData("drift-webhook,pager", "alertname=MlTargetDown", "severity=critical", "job=predictor")]
    [InlineData("drift-webhook,ml-models", "alertname=MlModelF1Low", "severity=warning", "model=churn")]
    [InlineData("drift-webhook,ml-platform", "alertname=MlComponentUnhealthy", "severity=warning", "component=postgres")]
    [InlineData("drift-webhook,ml-platform", "alertname=Unlabelled")]
    public async Task Alerts_reach_the_drift_webhook_and_a_receiver_by_severity_and_model(string receivers, params string[] labels)
    {
        var amtool = ExternalTool.Require("amtool", "prometheus-alertmanager");

        var result = await ExternalTool.RunAsync(amtool, ["config", "routes", "test", $"--config.file={DeployPaths.AlertmanagerConfig}", .. labels], cancellationToken: TestContext.Current.CancellationToken);

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Equal(receivers, result.StandardOutput.Trim());
    }

    [Fact]
    public async Task Critical_alert_inhibits_the_warning_of_the_same_alert_and_model()
    {
        var config = await Yaml.LoadAsync(DeployPaths.AlertmanagerConfig, TestContext.Current.CancellationToken);

        var rule = config["inhibit_rules"]!.AsArray().Single(rule =>
            rule!["source_matchers"]!.AsArray().Any(m => (string?)m == "severity=\"critical\"") &&
            rule["target_matchers"]!.AsArray().Any(m => (string?)m == "severity=\"warning\""))!;
        var equal = rule["equal"]!.AsArray().Select(label => (string?)label).ToList();

        Assert.Contains("alertname", equal);
        Assert.Contains("model", equal);
    }

    [Fact]
    public async Task Webhook_posts_to_the_drift_service_alerts_route_that_apphost_rewrites()
    {
        var config = await Yaml.LoadAsync(DeployPaths.AlertmanagerConfig, TestContext.Current.CancellationToken);

        var webhook = config["receivers"]!.AsArray().Single(receiver => (string?)receiver!["name"] == "drift-webhook")!["webhook_configs"]!.AsArray().Single()!;

        Assert.Equal(AppHost.MonitoringStack.DeployedDriftWebhookUrl, (string?)webhook["url"]);
        Assert.True((bool?)webhook["send_resolved"]);
    }

    internal static async Task<ToolResult> CheckConfigTextAsync(string amtool, string config)
    {
        var path = Path.Combine(Path.GetTempPath(), $"alertmanager-{Guid.NewGuid():N}.yml");
        try
        {
            await File.WriteAllTextAsync(path, config, TestContext.Current.CancellationToken);
            return await ExternalTool.RunAsync(amtool, ["check-config", path], cancellationToken: TestContext.Current.CancellationToken);
        }
        finally
        {
            File.Delete(path);
        }
    }

    // "    # slack_configs:" and the deeper example lines under a receiver.
    [GeneratedRegex(@"(?m)^    # (?<rest>.*)$")]
    private static partial Regex CommentedReceiverLine();
}
