using System.Text.RegularExpressions;
using AppHost.Resources;
using Npgsql;
using Xunit;

namespace Monitoring.Testing;

/// <summary>
/// The database for a test class or assembly: the one <c>ConnectionStrings__modeldb</c> names when set,
/// otherwise a throw-away PostgreSQL cluster on a free port (deleted afterwards).
/// </summary>
public sealed partial class PostgresFixture : IAsyncLifetime
{
    public const string ConnectionStringVariable = "ConnectionStrings__modeldb";

    private string? _connectionString;

    /// <summary>The cluster this fixture started; null when it uses <see cref="ConnectionStringVariable"/>.</summary>
    public PostgresServer? Server { get; private set; }

    /// <summary>Npgsql connection string for <c>modeldb</c> (or the given database).</summary>
    public string ConnectionString => _connectionString ?? throw new InvalidOperationException($"{nameof(PostgresFixture)} is not initialized.");

    /// <summary>False for a server given by <see cref="ConnectionStringVariable"/>: it is not ours to stop.</summary>
    public bool CanStopServer => Server is not null;

    public async ValueTask InitializeAsync()
    {
        var given = Environment.GetEnvironmentVariable(ConnectionStringVariable);
        if (!string.IsNullOrWhiteSpace(given))
        {
            _connectionString = given;
            return;
        }

        Server = new PostgresServer(new PostgresServerOptions { Name = "postgres-test" });
        await Server.StartAsync(TestContext.Current.CancellationToken);
        _connectionString = Server.ConnectionString;
    }

    /// <summary>Stops the server (fast shutdown); its data stays for <see cref="StartServerAsync"/>.</summary>
    public Task StopServerAsync(CancellationToken cancellationToken = default) =>
        RequireOwnServer().StopAsync(cancellationToken);

    /// <summary>Starts the stopped server again on the same port and data.</summary>
    public Task StartServerAsync(CancellationToken cancellationToken = default) =>
        RequireOwnServer().StartAsync(cancellationToken);

    /// <summary>Creates a fresh, empty database (dropping one of that name first) and returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync(string name, CancellationToken cancellationToken = default)
    {
        if (!DatabaseName().IsMatch(name))
        {
            throw new ArgumentException($"'{name}' is not a plain lower-case database name (a-z, 0-9, _; at most 63).", nameof(name));
        }

        var admin = new NpgsqlConnectionStringBuilder(ConnectionString) { Pooling = false };
        await using var connection = new NpgsqlConnection(admin.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        foreach (var sql in (string[])[$"drop database if exists \"{name}\" with (force)", $"create database \"{name}\""])
        {
            await using var command = new NpgsqlCommand(sql, connection);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        return new NpgsqlConnectionStringBuilder(ConnectionString) { Database = name }.ConnectionString;
    }

    public async ValueTask DisposeAsync()
    {
        if (Server is not null)
        {
            await Server.DisposeAsync();
        }
    }

    private PostgresServer RequireOwnServer() => Server
        ?? throw new InvalidOperationException($"The database comes from {ConnectionStringVariable}; this fixture did not start it and cannot stop or start it (check {nameof(CanStopServer)}).");

    [GeneratedRegex("^[a-z_][a-z0-9_]{0,62}$")]
    private static partial Regex DatabaseName();
}
