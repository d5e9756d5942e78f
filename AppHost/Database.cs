using AppHost.Resources;
using Npgsql;

namespace AppHost;

/// <summary>The modeldb PostgreSQL database: a persistent local cluster, or the one ConnectionStrings__modeldb names.</summary>
internal static class Database
{
    public static async Task<DatabaseEndpoint> StartAsync(AppHostSettings settings, StartedResources started, ResourceConsole console, CancellationToken cancellationToken)
    {
        if (settings.ExternalConnectionString is { } external)
        {
            console.Info("postgres: not started: using ConnectionStrings__modeldb from the environment.");
            return new DatabaseEndpoint(external, "external", "from ConnectionStrings__modeldb");
        }

        var server = new PostgresServer(new PostgresServerOptions
        {
            DataDirectory = settings.Postgres.DataDirectory ?? settings.StateDirectory("postgres"),
            Port = settings.Postgres.Port,
            StartupTimeout = settings.Startup.Timeout,
            OutputLine = console.Write,
        });
        started.Add(server.Name, server);

        console.Info($"Starting {server.Name} on 127.0.0.1:{server.Port} (cluster in {server.DataDirectory}).");
        await server.StartAsync(cancellationToken);
        return new DatabaseEndpoint(server.ConnectionString, "running", $"password in {Path.GetRelativePath(settings.RepositoryRoot, Path.Combine(server.DataDirectory, "password"))}");
    }
}

internal sealed record DatabaseEndpoint(string ConnectionString, string State, string Note)
{
    /// <summary>The connection string without its password, for the console.</summary>
    public string DisplayConnectionString => new NpgsqlConnectionStringBuilder(ConnectionString) { Password = null }.ConnectionString;
}
