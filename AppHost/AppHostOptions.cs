using System.ComponentModel.DataAnnotations;

namespace AppHost;

/// <summary>One of the three services: <c>--Predictor:Port 5101</c>, or <c>Predictor__Port=5101</c> in the environment.</summary>
public sealed class ServiceOptions
{
    [Range(1, 65535)]
    public int Port { get; set; }

    /// <summary>Null: <c>artifacts/bin/&lt;Project&gt;/&lt;configuration&gt;/&lt;Project&gt;.dll</c>, built by the AppHost's project references.</summary>
    public string? AssemblyPath { get; set; }
}

public sealed class PostgresOptions
{
    /// <summary>0: a free port (the connection string is handed to the services anyway).</summary>
    [Range(0, 65535)]
    public int Port { get; set; }

    /// <summary>Null: <c>&lt;repo&gt;/.local/postgres</c>, kept between runs.</summary>
    public string? DataDirectory { get; set; }
}

public sealed class PrometheusOptions
{
    public bool Enabled { get; set; } = true;

    [Range(1, 65535)]
    public int Port { get; set; } = 9090;

    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan ScrapeInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Null: <c>&lt;repo&gt;/.local/prometheus</c>, kept between runs.</summary>
    public string? DataDirectory { get; set; }
}

public sealed class AlertmanagerOptions
{
    public bool Enabled { get; set; } = true;

    [Range(1, 65535)]
    public int Port { get; set; } = 9093;

    /// <summary>Null: <c>&lt;repo&gt;/.local/alertmanager</c>, kept between runs.</summary>
    public string? DataDirectory { get; set; }
}

public sealed class StartupOptions
{
    /// <summary>How long each resource may take to become healthy.</summary>
    [Range(typeof(TimeSpan), "00:00:05", "00:10:00")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(90);
}

public sealed class GrafanaOptions
{
    /// <summary>Started when a grafana binary is on PATH; false skips it even then.</summary>
    public bool Enabled { get; set; } = true;

    [Range(1, 65535)]
    public int Port { get; set; } = 3000;

    /// <summary>Null: <c>&lt;state&gt;/grafana</c>, kept between runs.</summary>
    public string? DataDirectory { get; set; }
}
