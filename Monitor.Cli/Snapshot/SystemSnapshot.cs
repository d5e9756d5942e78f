using System.Text.Json.Serialization;

namespace MonitorCli.Snapshot;

/// <summary>How a component answered.</summary>
public enum ComponentStatus
{
    Healthy,
    Degraded,
    Unhealthy,
    Unreachable,
}

/// <summary>A service, Prometheus or Alertmanager, with what its health route said.</summary>
internal sealed record ComponentState(string Name, Uri Url, ComponentStatus Status, string Detail);

/// <summary>
/// One part of the view read from one source: its rows, or why they could not be read (<see cref="Unavailable"/>),
/// so "nothing there" and "could not ask" never look alike.
/// </summary>
internal sealed record Section<T>(IReadOnlyList<T> Items, string? Unavailable)
{
    public static Section<T> Read(IReadOnlyList<T> items) => new(items, null);

    public static Section<T> Failed(string reason) => new([], reason);
}

/// <summary>A model in the registry (predictor <c>GET /models</c>) and what the predictor serves of it (<c>GET /v2/models/{name}</c>).</summary>
/// <param name="ServedVersion">The version the predictor answers with; null when it serves none or could not be asked.</param>
/// <param name="Served">True served, false not served (404), null not asked (no champion) or no answer.</param>
internal sealed record ModelState(string Name, string Task, int? ChampionVersion, int Versions, int? ServedVersion, bool? Served)
{
    /// <summary>A champion the predictor does not serve at all: requests for the model fail.</summary>
    public bool ChampionNotServed => ChampionVersion is not null && Served == false;
}

/// <summary>The last hour of one model's traffic, from Prometheus.</summary>
/// <param name="Classes">Predictions per class (classifiers); empty for regressors.</param>
/// <param name="MeanConfidence">Mean top-class probability; null for regressors or without data.</param>
/// <param name="Refused">Requests refused (<c>ml_prediction_errors_total</c>).</param>
internal sealed record TrafficState(string Model, double Predictions, IReadOnlyDictionary<string, double> Classes, double? MeanConfidence, double Refused);

/// <summary>One model's last drift report and its online detectors (drift <c>GET /drift/status</c>).</summary>
internal sealed record DriftState(
    string Model,
    int? Version,
    DateTimeOffset? EvaluatedAt,
    bool? DatasetDrift,
    double? DriftShare,
    bool? PredictionDrift,
    long? Samples,
    IReadOnlyList<string> DetectorsInDrift,
    IReadOnlyList<string> DetectorsInWarning);

/// <summary>The newest training job of one model (training <c>GET /training/jobs</c>).</summary>
/// <param name="Note">The error of a failed job, else the gate's reason.</param>
internal sealed record TrainingState(string Model, string Trigger, string Status, DateTimeOffset CreatedAt, DateTimeOffset? FinishedAt, int? ResultVersion, bool? Promoted, string? Note);

/// <summary>An alert Alertmanager holds as active, not silenced and not inhibited.</summary>
internal sealed record AlertState(string Name, string Severity, string? Model, DateTimeOffset Since, string? Summary)
{
    public bool IsCritical => string.Equals(Severity, "critical", StringComparison.OrdinalIgnoreCase);
}

/// <summary>
/// Everything <c>monitor snapshot</c> prints. As JSON (<c>--json</c>) the verdict comes first, so a script can read
/// <c>exit_code</c> and <c>problems</c> without knowing the sections; a section that could not be read has
/// <c>unavailable</c> set.
/// </summary>
internal sealed record SystemSnapshot(
    [property: JsonPropertyOrder(-3)] DateTimeOffset TakenAt,
    IReadOnlyList<ComponentState> Components,
    Section<ModelState> Models,
    Section<TrafficState> Traffic,
    Section<DriftState> Drift,
    Section<TrainingState> Training,
    Section<AlertState> Alerts)
{
    /// <summary>
    /// What makes the exit code 1, in words: a component unhealthy or unreachable, a champion the predictor does not
    /// serve, a critical alert firing. Empty means healthy (degraded components and warnings do not count).
    /// </summary>
    [JsonPropertyOrder(-1)]
    public IReadOnlyList<string> Problems =>
    [
        .. Components.Where(c => c.Status is ComponentStatus.Unhealthy or ComponentStatus.Unreachable)
            .Select(c => $"{c.Name} {c.Status.ToString().ToLowerInvariant()}"),
        .. Models.Items.Where(m => m.ChampionNotServed).Select(m => $"model {m.Name} not served"),
        .. Alerts.Items.Where(a => a.IsCritical).Select(a => $"critical alert {a.Name}{(a.Model is null ? "" : $" ({a.Model})")}"),
    ];

    [JsonPropertyOrder(-2)]
    public int ExitCode => Problems.Count == 0 ? ExitCodes.Healthy : ExitCodes.Unhealthy;
}

/// <summary>The process exit codes scripts rely on (also in <c>monitor --help</c> and docs/monitor.md).</summary>
internal static class ExitCodes
{
    /// <summary>Every component healthy or degraded, every champion served, no critical alert firing.</summary>
    public const int Healthy = 0;

    /// <summary>A component unhealthy or unreachable, a champion not served, or a critical alert firing.</summary>
    public const int Unhealthy = 1;

    /// <summary>Bad command line.</summary>
    public const int Usage = 2;

    /// <summary><c>snapshot</c> stopped by Ctrl+C (SIGINT) before every source answered; the shell's convention.</summary>
    public const int Interrupted = 130;

    public const string Help =
        "Exit codes:\n" +
        "  0  all healthy: every component (predictor, drift, training, Prometheus, Alertmanager) healthy or degraded,\n" +
        "     every champion served, no critical alert firing\n" +
        "  1  something is not: a component unhealthy or unreachable, a champion not served, a critical alert firing\n" +
        "  2  usage error (unknown option, bad URL or number)\n" +
        "  130  snapshot interrupted by Ctrl+C before it was complete (live exits 0 on Ctrl+C)";
}
