namespace AppHost.Resources;

/// <summary>One <c>scrape_configs</c> entry: a job scraping <paramref name="Targets"/> (host:port).</summary>
public sealed record PrometheusScrapeJob(string JobName, IReadOnlyList<string> Targets)
{
    public string MetricsPath { get; init; } = "/metrics";

    /// <summary>Null: the global <see cref="PrometheusServerOptions.ScrapeInterval"/>.</summary>
    public TimeSpan? ScrapeInterval { get; init; }
}

public sealed record PrometheusServerOptions
{
    public string Name { get; init; } = "prometheus";

    /// <summary>Jobs for the generated config; ignored when <see cref="ConfigFile"/> is set.</summary>
    public IReadOnlyList<PrometheusScrapeJob> ScrapeJobs { get; init; } = [];

    /// <summary>Adds a job <c>prometheus</c> scraping Prometheus's own /metrics to the generated config.</summary>
    public bool ScrapeSelf { get; init; }

    public TimeSpan ScrapeInterval { get; init; } = TimeSpan.FromSeconds(10);

    public TimeSpan EvaluationInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Rule files (absolute paths) for the generated config.</summary>
    public IReadOnlyList<string> RuleFiles { get; init; } = [];

    /// <summary>Alertmanagers (host:port) the generated config sends alerts to.</summary>
    public IReadOnlyList<string> AlertmanagerTargets { get; init; } = [];

    /// <summary>An existing prometheus.yml used as it is instead of a generated one (rule_files resolve next to it).</summary>
    public string? ConfigFile { get; init; }

    /// <summary>Loopback port; 0 picks a free one.</summary>
    public int Port { get; init; }

    /// <summary>Folder for the generated config and the TSDB (<c>data/</c>); null: a temp folder deleted on dispose.</summary>
    public string? DataDirectory { get; init; }

    public TimeSpan Retention { get; init; } = TimeSpan.FromDays(30);

    /// <summary>Null: <c>prometheus</c> on PATH.</summary>
    public string? BinaryPath { get; init; }

    public TimeSpan StartupTimeout { get; init; } = TimeSpan.FromSeconds(30);

    public Action<OutputLine>? OutputLine { get; init; }
}
