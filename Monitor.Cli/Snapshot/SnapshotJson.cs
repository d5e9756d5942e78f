namespace MonitorCli.Snapshot;

/// <summary>
/// <c>monitor snapshot --json</c>: the snapshot with its verdict first, so a script can read <c>exit_code</c> and
/// <c>problems</c> without knowing the sections. A section that could not be read has <c>unavailable</c> set.
/// </summary>
internal sealed record SnapshotJson(
    DateTimeOffset TakenAt,
    int ExitCode,
    IReadOnlyList<string> Problems,
    IReadOnlyList<ComponentState> Components,
    Section<ModelState> Models,
    Section<TrafficState> Traffic,
    Section<DriftState> Drift,
    Section<TrainingState> Training,
    Section<AlertState> Alerts)
{
    public static SnapshotJson From(SystemSnapshot snapshot) => new(
        snapshot.TakenAt,
        snapshot.ExitCode,
        snapshot.Problems,
        snapshot.Components,
        snapshot.Models,
        snapshot.Traffic,
        snapshot.Drift,
        snapshot.Training,
        snapshot.Alerts);
}
