namespace AppHost.Resources;

public sealed record PostgresServerOptions
{
    public string Name { get; init; } = "postgres";

    /// <summary>
    /// Folder that keeps the cluster (<c>data/</c>), its socket (<c>run/</c>) and its password between runs.
    /// Null: a throw-away temp folder, tuned for speed (fsync off) and deleted on dispose.
    /// </summary>
    public string? DataDirectory { get; init; }

    /// <summary>Loopback port; 0 picks a free one (kept across stop and start, and across runs for a kept cluster while it is free).</summary>
    public int Port { get; init; }

    /// <summary>Database created on first start.</summary>
    public string Database { get; init; } = "modeldb";

    /// <summary>Superuser created by initdb; connects over TCP with a generated password (scram-sha-256).</summary>
    public string UserName { get; init; } = "postgres";

    /// <summary>Folder with initdb and postgres; null looks in /usr/lib/postgresql/*/bin (highest ≥ 15), PATH, then pg_config.</summary>
    public string? BinDirectory { get; init; }

    public TimeSpan StartupTimeout { get; init; } = TimeSpan.FromSeconds(60);

    public Action<OutputLine>? OutputLine { get; init; }
}
