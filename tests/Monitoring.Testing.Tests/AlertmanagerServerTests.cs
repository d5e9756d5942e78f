using System.Net;
using System.Text;
using AppHost.Resources;

namespace Monitoring.Testing.Tests;

public sealed class AlertmanagerServerTests
{
    [Fact]
    public async Task An_alert_sent_to_Alertmanager_reaches_the_webhook()
    {
        var ct = TestContext.Current.CancellationToken;
        var webhookPort = FreePort.Next();
        using var webhook = new HttpListener { Prefixes = { $"http://127.0.0.1:{webhookPort}/alerts/" } };
        webhook.Start();
        await using var alertmanager = new AlertmanagerServer(new AlertmanagerServerOptions
        {
            WebhookUrls = [new Uri($"http://127.0.0.1:{webhookPort}/alerts")],
            GroupWait = TimeSpan.FromMilliseconds(200),
        });
        await alertmanager.StartAsync(ct);

        await alertmanager.SendAlertAsync(new Dictionary<string, string> { ["alertname"] = "FixtureCheck", ["severity"] = "info" }, cancellationToken: ct);

        var context = await webhook.GetContextAsync().WaitAsync(TimeSpan.FromSeconds(20), ct);
        using var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8);
        var body = await reader.ReadToEndAsync(ct);
        context.Response.StatusCode = 200;
        context.Response.Close();
        Assert.Contains("\"alertname\":\"FixtureCheck\"", body, StringComparison.Ordinal);
        var alert = Assert.Single(await alertmanager.GetAlertsAsync(ct));
        Assert.Equal("FixtureCheck", alert.AlertName);
        Assert.Equal("active", alert.State);
    }

    [Fact]
    public async Task Generated_configs_pass_promtool_and_amtool()
    {
        var ct = TestContext.Current.CancellationToken;
        var folder = Directory.CreateTempSubdirectory("configs-").FullName;
        try
        {
            var prometheusConfig = Path.Combine(folder, "prometheus.yml");
            await File.WriteAllTextAsync(prometheusConfig, PrometheusServer.GenerateConfig(
                new PrometheusServerOptions { ScrapeSelf = true, AlertmanagerTargets = ["127.0.0.1:9093"] },
                [new PrometheusScrapeJob("predictor", ["localhost:5100"]) { ScrapeInterval = TimeSpan.FromSeconds(1) }],
                port: 9090), ct);
            var alertmanagerConfig = Path.Combine(folder, "alertmanager.yml");
            await File.WriteAllTextAsync(alertmanagerConfig, AlertmanagerServer.GenerateConfig(
                new AlertmanagerServerOptions { WebhookUrls = [new Uri("http://localhost:5200/alerts")] }), ct);

            await ManagedProcess.RunToCompletionAsync(new ManagedProcessOptions { Name = "promtool", FileName = "promtool", Arguments = ["check", "config", prometheusConfig] }, TimeSpan.FromSeconds(30), ct);
            await ManagedProcess.RunToCompletionAsync(new ManagedProcessOptions { Name = "amtool", FileName = "amtool", Arguments = ["check-config", alertmanagerConfig] }, TimeSpan.FromSeconds(30), ct);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
