namespace AppHost.Resources;

public sealed record AlertmanagerServerOptions
{
    public string Name { get; init; } = "alertmanager";

    /// <summary>Webhook URLs the generated config sends every alert to (one receiver); ignored when <see cref="ConfigFile"/> is set.</summary>
    public IReadOnlyList<Uri> WebhookUrls { get; init; } = [];

    /// <summary>How long a new alert group waits for more alerts before its first notification.</summary>
    public TimeSpan GroupWait { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long before a changed group is notified again.</summary>
    public TimeSpan GroupInterval { get; init; } = TimeSpan.FromSeconds(30);

    public TimeSpan RepeatInterval { get; init; } = TimeSpan.FromHours(1);

    /// <summary>An existing alertmanager.yml used as it is instead of a generated one.</summary>
    public string? ConfigFile { get; init; }

    /// <summary>Loopback port; 0 picks a free one.</summary>
    public int Port { get; init; }

    /// <summary>Folder for the generated config and silences/notification log (<c>data/</c>); null: a temp folder deleted on dispose.</summary>
    public string? DataDirectory { get; init; }

    /// <summary>Null: <c>prometheus-alertmanager</c> (Debian's name) or <c>alertmanager</c> on PATH.</summary>
    public string? BinaryPath { get; init; }

    public TimeSpan StartupTimeout { get; init; } = TimeSpan.FromSeconds(30);

    public Action<OutputLine>? OutputLine { get; init; }
}
