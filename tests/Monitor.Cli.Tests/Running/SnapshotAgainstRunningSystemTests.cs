using System.Text.Json;
using System.Text.RegularExpressions;
using AppHost.Resources;
using Monitoring.DemoData;
using Monitoring.IntegrationTests.Infrastructure;

namespace Monitor.Cli.Tests.Running;

/// <summary>
/// The built <c>monitor snapshot</c> as its own process against the real services, Prometheus and Alertmanager:
/// the state printed and exit 0 while everything runs; exit 1 naming what is wrong when the predictor is stopped,
/// Prometheus is away or a critical alert fires.
/// </summary>
[Collection(RunningSystemCollection.Name)]
public sealed class SnapshotAgainstRunningSystemTests(RunningSystem system)
{
    private static readonly string Classes = string.Join('|', DemoDatasets.CreditRiskClasses.Select(Regex.Escape));

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_running_system_prints_every_section_and_exits_zero()
    {
        var run = await MonitorProcess.RunAsync(system.SnapshotArguments(), Cancellation);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("all healthy", run.Output, StringComparison.Ordinal);
        // Piped output is plain: ASCII tables, no escape sequences.
        Assert.DoesNotContain('\u001b', run.Output);
        foreach (var service in new[] { "predictor", "drift", "training" })
        {
            Assert.Matches($@"\| {service} +\| (healthy|degraded) +\| http://127\.0\.0\.1:\d+ +\|", run.Output);
        }

        Assert.Matches(@"\| prometheus +\| healthy +\| .+ \| ready +\|", run.Output);
        Assert.Matches(@"\| alertmanager +\| healthy +\| .+ \| ready +\|", run.Output);
        Assert.Matches(@"\| credit-risk +\| classification +\| v1 +\| 1 +\| v1 +\|", run.Output);
        Assert.Matches($@"\| credit-risk +\| [1-9][0-9,]* +\| ({Classes}) \d+%.* \| 0\.\d{{3}} +\| 0 +\|", run.Output);
        Assert.Matches(@"\| credit-risk +\| .*ago \(v1, .* \| (yes|no) +\| \d+% +\| (yes|no) +\| stable +\|", run.Output);
        Assert.Matches(@"\| credit-risk +\| bootstrap +\| succeeded +\| .*ago +\| v1 promoted", run.Output);
        Assert.Matches(@"Active alerts \(Alertmanager\)[\s\S]*\| none +\|", run.Output);
        Assert.Empty(run.Error);
    }

    [Fact]
    public async Task Json_output_carries_the_same_state_for_scripts()
    {
        var run = await MonitorProcess.RunAsync([.. system.SnapshotArguments(), "--json"], Cancellation);

        Assert.True(run.ExitCode == 0, run.ToString());
        var json = JsonDocument.Parse(run.Output).RootElement;
        Assert.Equal(0, json.GetProperty("exit_code").GetInt32());
        Assert.Empty(json.GetProperty("problems").EnumerateArray());
        Assert.Equal(
            ["predictor", "drift", "training", "prometheus", "alertmanager"],
            json.GetProperty("components").EnumerateArray().Select(c => c.GetProperty("name").GetString()));
        Assert.All(json.GetProperty("components").EnumerateArray(), c => Assert.Contains(c.GetProperty("status").GetString(), new[] { "healthy", "degraded" }));
        foreach (var section in new[] { "models", "traffic", "drift", "training", "alerts" })
        {
            Assert.Equal(JsonValueKind.Null, json.GetProperty(section).GetProperty("unavailable").ValueKind);
        }

        var model = Assert.Single(json.GetProperty("models").GetProperty("items").EnumerateArray());
        Assert.Equal(("credit-risk", "classification", 1, 1, true), (model.GetProperty("name").GetString(), model.GetProperty("task").GetString(), model.GetProperty("champion_version").GetInt32(), model.GetProperty("served_version").GetInt32(), model.GetProperty("served").GetBoolean()));

        var traffic = Assert.Single(json.GetProperty("traffic").GetProperty("items").EnumerateArray());
        Assert.Equal(RunningSystem.Model, traffic.GetProperty("model").GetString());
        Assert.True(traffic.GetProperty("predictions").GetDouble() > 0, traffic.ToString());
        var classes = traffic.GetProperty("classes").EnumerateObject().ToList();
        Assert.NotEmpty(classes);
        Assert.All(classes, c => Assert.Contains(c.Name, DemoDatasets.CreditRiskClasses));
        Assert.Equal(traffic.GetProperty("predictions").GetDouble(), classes.Sum(c => c.Value.GetDouble()), 6);
        // A binary classifier's top class has probability 0.5 to 1.
        Assert.InRange(traffic.GetProperty("mean_confidence").GetDouble(), 0.5, 1.0);

        var drift = Assert.Single(json.GetProperty("drift").GetProperty("items").EnumerateArray());
        Assert.Equal((RunningSystem.Model, 1), (drift.GetProperty("model").GetString(), drift.GetProperty("version").GetInt32()));
        Assert.Equal(JsonValueKind.String, drift.GetProperty("evaluated_at").ValueKind);

        var training = Assert.Single(json.GetProperty("training").GetProperty("items").EnumerateArray());
        Assert.Equal(
            (RunningSystem.Model, "bootstrap", "succeeded", 1, true),
            (training.GetProperty("model").GetString(), training.GetProperty("trigger").GetString(), training.GetProperty("status").GetString(), training.GetProperty("result_version").GetInt32(), training.GetProperty("promoted").GetBoolean()));
        Assert.Empty(json.GetProperty("alerts").GetProperty("items").EnumerateArray());
    }

    [Fact]
    public async Task A_stopped_predictor_makes_the_snapshot_exit_one_naming_it_while_the_other_sections_still_show()
    {
        // A predictor of this test's own on the same database, so stopping it leaves the shared system alone.
        var predictor = RunningSystem.StartPredictor(system.Database);
        Uri url;
        try
        {
            await RunningSystem.WaitUntilReadyAsync(predictor);
            await RunningSystem.WaitUntilServedAsync(predictor);
            url = predictor.Client.BaseAddress!;

            var running = await MonitorProcess.RunAsync(system.SnapshotArguments(predictor: url), Cancellation);
            Assert.True(running.ExitCode == 0, running.ToString());
            Assert.Contains($"| predictor    | healthy", running.Output, StringComparison.Ordinal);
        }
        finally
        {
            await predictor.DisposeAsync();
        }

        var stopped = await MonitorProcess.RunAsync(system.SnapshotArguments(predictor: url), Cancellation);

        Assert.True(stopped.ExitCode == 1, stopped.ToString());
        Assert.Contains("UNHEALTHY: predictor unreachable", stopped.Output, StringComparison.Ordinal);
        Assert.Matches(@"\| predictor +\| unreachable +\|", stopped.Output);
        Assert.Contains("Models (predictor): predictor: ", stopped.Output, StringComparison.Ordinal);
        // The other sources are still read.
        Assert.Matches(@"\| credit-risk +\| bootstrap +\| succeeded", stopped.Output);
        Assert.Matches(@"\| credit-risk +\| [1-9][0-9,]* +\|", stopped.Output);

        var json = await MonitorProcess.RunAsync([.. system.SnapshotArguments(predictor: url), "--json"], Cancellation);
        Assert.Equal(1, json.ExitCode);
        Assert.Equal(["predictor unreachable"], JsonDocument.Parse(json.Output).RootElement.GetProperty("problems").EnumerateArray().Select(p => p.GetString()));
    }

    [Fact]
    public async Task Without_prometheus_the_traffic_is_no_data_the_rest_is_shown_and_the_exit_is_one()
    {
        var nobody = new Uri($"http://127.0.0.1:{FreePort.Next()}");

        var run = await MonitorProcess.RunAsync(system.SnapshotArguments(prometheus: nobody), Cancellation);

        Assert.True(run.ExitCode == 1, run.ToString());
        Assert.Contains("UNHEALTHY: prometheus unreachable", run.Output, StringComparison.Ordinal);
        Assert.Contains("Last hour (Prometheus): no data (Prometheus: ", run.Output, StringComparison.Ordinal);
        Assert.Matches(@"\| credit-risk +\| classification +\| v1 +\| 1 +\| v1 +\|", run.Output);
        Assert.Matches(@"\| credit-risk +\| bootstrap +\| succeeded", run.Output);
    }

    [Fact]
    public async Task A_warning_alert_is_listed_and_a_critical_one_makes_the_exit_one()
    {
        await using var alertmanager = new AlertmanagerServer(new AlertmanagerServerOptions { Name = "alertmanager-monitor-alerts" });
        await alertmanager.StartAsync(Cancellation);
        await alertmanager.SendAlertAsync(
            new Dictionary<string, string> { ["alertname"] = "MlDataDriftShareHigh", ["severity"] = "warning", ["model"] = RunningSystem.Model },
            new Dictionary<string, string> { ["summary"] = "Most features of credit-risk drifted" },
            Cancellation);
        await WaitForAlertsAsync(alertmanager, 1);

        var warned = await MonitorProcess.RunAsync(system.SnapshotArguments(alertmanager: alertmanager.BaseAddress), Cancellation);

        Assert.True(warned.ExitCode == 0, warned.ToString());
        Assert.Matches(@"\| MlDataDriftShareHigh +\| warning +\| credit-risk +\| .* \| Most features of credit-risk drifted +\|", warned.Output);

        await alertmanager.SendAlertAsync(new Dictionary<string, string> { ["alertname"] = "MlTargetDown", ["severity"] = "critical" }, cancellationToken: Cancellation);
        await WaitForAlertsAsync(alertmanager, 2);

        var critical = await MonitorProcess.RunAsync(system.SnapshotArguments(alertmanager: alertmanager.BaseAddress), Cancellation);

        Assert.True(critical.ExitCode == 1, critical.ToString());
        Assert.Contains("UNHEALTHY: critical alert MlTargetDown", critical.Output, StringComparison.Ordinal);
        // Critical first.
        Assert.Matches(@"\| MlTargetDown +\| critical +\|[\s\S]*\| MlDataDriftShareHigh +\| warning", critical.Output);
    }

    private static Task WaitForAlertsAsync(AlertmanagerServer alertmanager, int count) => Eventually.GetAsync(
        async () => (await alertmanager.GetAlertsAsync(Cancellation)).Count(a => a.State == "active") >= count ? "listed" : null,
        TimeSpan.FromSeconds(30),
        $"{count} active alert(s) in Alertmanager",
        Cancellation);
}
