using MonitorCli.Snapshot;

namespace Monitor.Cli.Tests;

/// <summary>
/// The rule scripts rely on: 0 only when every component answers healthy or degraded, every champion is served and
/// no critical alert fires; otherwise 1, with each reason named.
/// </summary>
public sealed class ExitCodeTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 3, 0, 0, TimeSpan.Zero);

    private static readonly string[] Names = ["predictor", "drift", "training", "prometheus", "alertmanager"];

    private static SystemSnapshot With(
        IReadOnlyList<ComponentStatus> statuses,
        IReadOnlyList<ModelState>? models = null,
        IReadOnlyList<AlertState>? alerts = null) => new(
        Now,
        [.. statuses.Select((s, i) => new ComponentState(Names[i], new Uri($"http://localhost:{5100 + i}"), s, ""))],
        Section<ModelState>.Read(models ?? []),
        Section<TrafficState>.Read([]),
        Section<DriftState>.Read([]),
        Section<TrainingState>.Read([]),
        Section<AlertState>.Read(alerts ?? []));

    [Fact]
    public void Healthy_and_degraded_components_exit_zero_with_no_problem()
    {
        var snapshot = With([ComponentStatus.Healthy, ComponentStatus.Degraded, ComponentStatus.Healthy]);

        Assert.Equal(ExitCodes.Healthy, snapshot.ExitCode);
        Assert.Empty(snapshot.Problems);
    }

    [Theory]
    [InlineData(ComponentStatus.Unhealthy, "drift unhealthy")]
    [InlineData(ComponentStatus.Unreachable, "drift unreachable")]
    public void One_unhealthy_or_unreachable_component_exits_one_and_is_named(ComponentStatus status, string problem)
    {
        var snapshot = With([ComponentStatus.Healthy, status, ComponentStatus.Degraded]);

        Assert.Equal(ExitCodes.Unhealthy, snapshot.ExitCode);
        Assert.Equal([problem], snapshot.Problems);
    }

    [Fact]
    public void Every_failing_component_is_named_in_order()
    {
        var snapshot = With([ComponentStatus.Unreachable, ComponentStatus.Healthy, ComponentStatus.Healthy, ComponentStatus.Unhealthy, ComponentStatus.Unreachable]);

        Assert.Equal(["predictor unreachable", "prometheus unhealthy", "alertmanager unreachable"], snapshot.Problems);
    }

    [Fact]
    public void A_critical_alert_exits_one_and_a_warning_does_not()
    {
        var critical = With([ComponentStatus.Healthy], alerts: [new AlertState("MlTargetDown", "critical", null, Now, null)]);
        var warning = With([ComponentStatus.Healthy], alerts: [new AlertState("MlDataDriftShareHigh", "warning", "credit-risk", Now, null)]);
        var criticalForModel = With([ComponentStatus.Healthy], alerts: [new AlertState("MlModelNotLoaded", "Critical", "credit-risk", Now, null)]);

        Assert.Equal((ExitCodes.Unhealthy, "critical alert MlTargetDown"), (critical.ExitCode, Assert.Single(critical.Problems)));
        Assert.Equal(ExitCodes.Healthy, warning.ExitCode);
        Assert.Equal("critical alert MlModelNotLoaded (credit-risk)", Assert.Single(criticalForModel.Problems));
    }

    [Fact]
    public void A_champion_the_predictor_does_not_serve_exits_one_and_an_older_version_still_serving_does_not()
    {
        ModelState[] models =
        [
            new("credit-risk", "classification", ChampionVersion: 2, Versions: 2, ServedVersion: null, Served: false),
            new("house-prices", "regression", ChampionVersion: 3, Versions: 3, ServedVersion: 2, Served: true),
            new("new-model", "classification", ChampionVersion: null, Versions: 1, ServedVersion: null, Served: null),
            new("unknown", "classification", ChampionVersion: 1, Versions: 1, ServedVersion: null, Served: null),
        ];

        var snapshot = With([ComponentStatus.Healthy], models);

        Assert.Equal(ExitCodes.Unhealthy, snapshot.ExitCode);
        Assert.Equal(["model credit-risk not served"], snapshot.Problems);
    }

    [Fact]
    public void A_section_that_could_not_be_read_does_not_change_the_code_by_itself()
    {
        // The component's own health decides; an empty Prometheus answer or a failed query is shown, not counted twice.
        var snapshot = With([ComponentStatus.Healthy]) with { Traffic = Section<TrafficState>.Failed("Prometheus: no answer in time") };

        Assert.Equal(ExitCodes.Healthy, snapshot.ExitCode);
    }
}
