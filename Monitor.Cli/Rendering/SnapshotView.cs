using System.Globalization;
using MonitorCli.Snapshot;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace MonitorCli.Rendering;

/// <summary>The snapshot as Spectre.Console tables, one per section, in the order an operator reads them.</summary>
internal static class SnapshotView
{
    /// <param name="plain">ASCII borders for pipes and files (colours are dropped by the console itself).</param>
    public static IRenderable Build(SystemSnapshot snapshot, bool plain) => new Rows(
        new Markup($"[bold]ML monitoring[/] at {snapshot.TakenAt.ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)}: {Verdict(snapshot)}"),
        Components(snapshot, plain),
        Models(snapshot, plain),
        Traffic(snapshot, plain),
        Drift(snapshot, plain),
        Training(snapshot, plain),
        Alerts(snapshot, plain));

    /// <summary>"all healthy", or every problem named (the words scripts and tests look for).</summary>
    internal static string Verdict(SystemSnapshot snapshot) => snapshot.Problems.Count == 0
        ? "[green]all healthy[/]"
        : $"[red]UNHEALTHY: {Markup.Escape(string.Join(", ", snapshot.Problems))}[/]";

    private static Table Components(SystemSnapshot snapshot, bool plain)
    {
        var table = NewTable("Components", plain, "component", "status", "url", "detail");
        foreach (var c in snapshot.Components)
        {
            table.AddRow(Text(c.Name), new Markup(Status(c.Status)), Text(c.Url.ToString().TrimEnd('/')), Text(c.Detail));
        }

        return table;
    }

    private static IRenderable Models(SystemSnapshot snapshot, bool plain)
    {
        var table = NewTable("Models (predictor)", plain, "model", "task", "champion", "versions", "serving");
        foreach (var m in snapshot.Models.Items)
        {
            table.AddRow(
                Text(m.Name),
                Text(m.Task),
                Text(m.ChampionVersion is { } champion ? $"v{champion}" : "none"),
                Text(m.Versions.ToString(CultureInfo.InvariantCulture)),
                new Markup(Serving(m)));
        }

        return Finish(table, snapshot.Models.Unavailable, "no model registered");
    }

    internal static string Serving(ModelState model) => model switch
    {
        { ChampionVersion: null } => "[grey]nothing to serve[/]",
        { Served: false } => "[red]not served[/]",
        { Served: null } => "[grey]unknown[/]",
        { ServedVersion: { } served } when served == model.ChampionVersion => $"[green]v{served}[/]",
        { ServedVersion: { } served } => $"[yellow]v{served} (champion v{model.ChampionVersion} not loaded yet)[/]",
        _ => "[green]yes[/]",
    };

    private static IRenderable Traffic(SystemSnapshot snapshot, bool plain)
    {
        var table = NewTable("Last hour (Prometheus)", plain, "model", "predictions", "classes", "mean confidence", "refused");
        foreach (var t in snapshot.Traffic.Items)
        {
            table.AddRow(
                Text(t.Model),
                Text(Count(t.Predictions)),
                Text(Classes(t)),
                Text(t.MeanConfidence?.ToString("0.000", CultureInfo.InvariantCulture) ?? ""),
                Text(Count(t.Refused)));
        }

        return Finish(table, snapshot.Traffic.Unavailable is { } reason ? $"no data ({reason})" : null, "no predictions in the last hour");
    }

    /// <summary>Each class's share of the model's predictions, largest first: "good 71%  bad 29%".</summary>
    internal static string Classes(TrafficState traffic)
    {
        var total = traffic.Classes.Values.Sum();
        return total <= 0
            ? ""
            : string.Join("  ", traffic.Classes.OrderByDescending(c => c.Value).ThenBy(c => c.Key, StringComparer.Ordinal)
                .Select(c => string.Create(CultureInfo.InvariantCulture, $"{c.Key} {c.Value / total:0%}")));
    }

    /// <summary>Prometheus's increase() extrapolates to fractions; people count whole predictions.</summary>
    internal static string Count(double value) => Math.Round(value).ToString("#,0", CultureInfo.InvariantCulture);

    private static IRenderable Drift(SystemSnapshot snapshot, bool plain)
    {
        var table = NewTable("Drift (drift service)", plain, "model", "last report", "dataset drift", "drifted features", "prediction drift", "online detectors");
        foreach (var d in snapshot.Drift.Items)
        {
            var detectors = d.DetectorsInDrift.Count > 0
                ? $"[red]drift: {Markup.Escape(string.Join(", ", d.DetectorsInDrift))}[/]"
                : d.DetectorsInWarning.Count > 0 ? $"[yellow]warning: {Markup.Escape(string.Join(", ", d.DetectorsInWarning))}[/]" : "[green]stable[/]";
            table.AddRow(
                Text(d.Model),
                Text(d.EvaluatedAt is { } at ? string.Create(CultureInfo.InvariantCulture, $"{Ago(snapshot.TakenAt, at)} (v{d.Version}, {d.Samples:#,0} predictions)") : "none yet"),
                new Markup(YesNo(d.DatasetDrift)),
                Text(d.DriftShare?.ToString("0%", CultureInfo.InvariantCulture) ?? ""),
                new Markup(YesNo(d.PredictionDrift)),
                new Markup(detectors));
        }

        return Finish(table, snapshot.Drift.Unavailable, "no report and no feedback yet");
    }

    private static IRenderable Training(SystemSnapshot snapshot, bool plain)
    {
        var table = NewTable("Last training (training worker)", plain, "model", "trigger", "status", "when", "result");
        foreach (var t in snapshot.Training.Items)
        {
            var result = t.ResultVersion is { } version
                ? $"v{version} {(t.Promoted == true ? "promoted" : "kept as candidate")}"
                : "";
            if (t.Note is { Length: > 0 } note)
            {
                result = result.Length == 0 ? note : $"{result}: {note}";
            }

            table.AddRow(
                Text(t.Model),
                Text(t.Trigger),
                new Markup(t.Status switch
                {
                    "succeeded" => "[green]succeeded[/]",
                    "failed" => "[red]failed[/]",
                    _ => Markup.Escape(t.Status),
                }),
                Text(Ago(snapshot.TakenAt, t.FinishedAt ?? t.CreatedAt)),
                Text(result));
        }

        return Finish(table, snapshot.Training.Unavailable, "no training job yet");
    }

    private static IRenderable Alerts(SystemSnapshot snapshot, bool plain)
    {
        var table = NewTable("Active alerts (Alertmanager)", plain, "alert", "severity", "model", "since", "summary");
        foreach (var a in snapshot.Alerts.Items)
        {
            table.AddRow(
                Text(a.Name),
                new Markup(a.IsCritical ? "[red]critical[/]" : $"[yellow]{Markup.Escape(a.Severity)}[/]"),
                Text(a.Model ?? ""),
                Text(Ago(snapshot.TakenAt, a.Since)),
                Text(a.Summary ?? ""));
        }

        return Finish(table, snapshot.Alerts.Unavailable, "none");
    }

    private static Table NewTable(string title, bool plain, params string[] columns)
    {
        var table = new Table
        {
            Title = new TableTitle(title, new Style(decoration: Decoration.Bold)),
            Border = plain ? TableBorder.Ascii : TableBorder.Rounded,
            Expand = false,
        };
        foreach (var column in columns)
        {
            table.AddColumn(column);
        }

        return table;
    }

    /// <summary>
    /// The table, or one line saying why its source could not be read (<paramref name="unavailable"/>); an empty
    /// table says there is nothing (<paramref name="nothing"/>).
    /// </summary>
    private static IRenderable Finish(Table table, string? unavailable, string nothing)
    {
        if (unavailable is not null)
        {
            return new Markup($"[bold]{Markup.Escape(table.Title!.Text)}[/]: [red]{Markup.Escape(unavailable)}[/]");
        }

        if (table.Rows.Count == 0)
        {
            table.AddRow([new Markup($"[grey]{Markup.Escape(nothing)}[/]"), .. Enumerable.Range(1, table.Columns.Count - 1).Select(_ => Text(""))]);
        }

        return table;
    }

    private static Text Text(string text) => new(text);

    private static string YesNo(bool? value) => value switch { true => "[red]yes[/]", false => "[green]no[/]", null => "" };

    private static string Status(ComponentStatus status) => status switch
    {
        ComponentStatus.Healthy => "[green]healthy[/]",
        ComponentStatus.Degraded => "[yellow]degraded[/]",
        ComponentStatus.Unhealthy => "[red]unhealthy[/]",
        _ => "[red]unreachable[/]",
    };

    internal static string Ago(DateTimeOffset now, DateTimeOffset then)
    {
        var elapsed = now - then;
        return elapsed < TimeSpan.FromSeconds(1) ? "just now"
            : elapsed < TimeSpan.FromMinutes(1) ? string.Create(CultureInfo.InvariantCulture, $"{elapsed.TotalSeconds:0} s ago")
            : elapsed < TimeSpan.FromHours(1) ? string.Create(CultureInfo.InvariantCulture, $"{elapsed.TotalMinutes:0} min ago")
            : elapsed < TimeSpan.FromDays(2) ? string.Create(CultureInfo.InvariantCulture, $"{elapsed.TotalHours:0.#} h ago")
            : then.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);
    }
}
