using MonitorCli.Rendering;
using MonitorCli.Snapshot;

namespace Monitor.Cli.Tests;

/// <summary>What an operator reads: the verdict, each section, and why a section is empty.</summary>
public sealed class SnapshotViewTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 3, 0, 0, TimeSpan.Zero);

    private static readonly ComponentState[] AllHealthy =
        [.. new[] { "predictor", "drift", "training", "prometheus", "alertmanager" }.Select((name, i) => new ComponentState(name, new Uri($"http://localhost:{5100 + i}/"), ComponentStatus.Healthy, "ready"))];

    private static SystemSnapshot Snapshot(
        Section<ModelState>? models = null,
        Section<TrafficState>? traffic = null,
        Section<DriftState>? drift = null,
        Section<TrainingState>? training = null,
        Section<AlertState>? alerts = null) => new(
        Now,
        AllHealthy,
        models ?? Section<ModelState>.Read([]),
        traffic ?? Section<TrafficState>.Read([]),
        drift ?? Section<DriftState>.Read([]),
        training ?? Section<TrainingState>.Read([]),
        alerts ?? Section<AlertState>.Read([]));

    private static string Render(SystemSnapshot snapshot)
    {
        using var output = new StringWriter();
        var console = Terminal.Create(output, plain: true);
        console.Profile.Width = 250;
        console.Write(SnapshotView.Build(snapshot, plain: true));
        return output.ToString();
    }

    [Fact]
    public void A_healthy_system_reads_all_healthy_and_empty_sections_say_there_is_nothing()
    {
        var text = Render(Snapshot());

        Assert.Contains("all healthy", text, StringComparison.Ordinal);
        Assert.DoesNotContain('\u001b', text);
        Assert.Matches(@"\| predictor +\| healthy +\| http://localhost:5100 +\| ready +\|", text);
        Assert.Contains("no model registered", text, StringComparison.Ordinal);
        Assert.Contains("no predictions in the last hour", text, StringComparison.Ordinal);
        Assert.Contains("no training job yet", text, StringComparison.Ordinal);
    }

    [Fact]
    public void A_section_that_could_not_be_read_says_so_instead_of_looking_empty()
    {
        var text = Render(Snapshot(
            models: Section<ModelState>.Failed("predictor: Connection refused (127.0.0.1:5100)"),
            traffic: Section<TrafficState>.Failed("Prometheus: no answer in time")));

        Assert.Contains("Models (predictor): predictor: Connection refused (127.0.0.1:5100)", text, StringComparison.Ordinal);
        Assert.Contains("Last hour (Prometheus): no data (Prometheus: no answer in time)", text, StringComparison.Ordinal);
        Assert.DoesNotContain("no model registered", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Problems_are_named_in_the_verdict()
    {
        var snapshot = Snapshot(alerts: Section<AlertState>.Read([new AlertState("MlTargetDown", "critical", null, Now.AddMinutes(-3), "predictor target is down")])) with
        {
            Components = [AllHealthy[0] with { Status = ComponentStatus.Unreachable, Detail = "Connection refused" }, .. AllHealthy[1..]],
        };

        var text = Render(snapshot);

        Assert.Contains("UNHEALTHY: predictor unreachable, critical alert MlTargetDown", text, StringComparison.Ordinal);
        Assert.Matches(@"\| MlTargetDown +\| critical +\| +\| 3 min ago +\| predictor target is down +\|", text);
    }

    [Fact]
    public void Traffic_shows_whole_counts_class_shares_largest_first_and_the_mean_confidence()
    {
        var traffic = new TrafficState("credit-risk", 881.4, new Dictionary<string, double> { ["bad"] = 220.35, ["good"] = 661.05 }, 0.8123, 2.2);

        var text = Render(Snapshot(traffic: Section<TrafficState>.Read([traffic, new TrafficState("house-prices", 1500.6, new Dictionary<string, double>(), null, 0)])));

        Assert.Matches(@"\| credit-risk +\| 881 +\| good 75%  bad 25% +\| 0\.812 +\| 2 +\|", text);
        Assert.Matches(@"\| house-prices +\| 1,501 +\| +\| +\| 0 +\|", text);
    }

    [Theory]
    [InlineData(null, null, null, "nothing to serve")]
    [InlineData(2, 2, true, "v2")]
    [InlineData(3, 2, true, "v2 (champion v3 not loaded yet)")]
    [InlineData(2, null, false, "not served")]
    [InlineData(2, null, null, "unknown")]
    public void Serving_compares_the_served_version_with_the_champion(int? champion, int? served, bool? isServed, string expected)
    {
        var model = new ModelState("m", "classification", champion, 3, served, isServed);

        Assert.Equal(expected, Spectre.Console.Markup.Remove(SnapshotView.Serving(model)));
    }

    [Fact]
    public void Drift_and_training_rows_say_what_happened_and_when()
    {
        var drift = new DriftState("credit-risk", 1, Now.AddSeconds(-42), true, 0.857, false, 592, ["ddm"], ["eddm"]);
        var job = new TrainingState("credit-risk", "drift", "succeeded", Now.AddMinutes(-6), Now.AddMinutes(-5), 2, true, "candidate 0.81 beats champion 0.73");
        var failed = new TrainingState("house-prices", "manual", "failed", Now.AddHours(-3), Now.AddHours(-3), null, null, "at least 200 labelled rows are needed");

        var text = Render(Snapshot(drift: Section<DriftState>.Read([drift]), training: Section<TrainingState>.Read([job, failed])));

        Assert.Matches(@"\| credit-risk +\| 42 s ago \(v1, 592 predictions\) +\| yes +\| 86% +\| no +\| drift: ddm +\|", text);
        Assert.Matches(@"\| credit-risk +\| drift +\| succeeded +\| 5 min ago +\| v2 promoted: candidate 0\.81 beats champion 0\.73 +\|", text);
        Assert.Matches(@"\| house-prices +\| manual +\| failed +\| 3 h ago +\| at least 200 labelled rows are needed +\|", text);
    }

    [Theory]
    [InlineData(0.4, "just now")]
    [InlineData(42, "42 s ago")]
    [InlineData(150, "3 min ago")]
    [InlineData(5400, "1.5 h ago")]
    [InlineData(3 * 86400, "2026-11-20 03:00")]
    public void Times_read_as_how_long_ago(double seconds, string expected) =>
        Assert.Equal(expected, SnapshotView.Ago(Now, Now - TimeSpan.FromSeconds(seconds)));
}
