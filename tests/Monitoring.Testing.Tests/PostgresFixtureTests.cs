using Npgsql;

namespace Monitoring.Testing.Tests;

public sealed class PostgresFixtureTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    [Fact]
    public async Task Connection_string_reaches_PostgreSQL_15_or_later()
    {
        var version = await ScalarAsync<string>(postgres.ConnectionString, "show server_version");

        Assert.True(int.Parse(version.Split('.')[0], System.Globalization.CultureInfo.InvariantCulture) >= 15, version);
        Assert.Equal("modeldb", await ScalarAsync<string>(postgres.ConnectionString, "select current_database()"));
    }

    [Fact]
    public async Task Select_version_reports_PostgreSQL()
    {
        var version = await ScalarAsync<string>(postgres.ConnectionString, "select version()");

        Assert.StartsWith("PostgreSQL 1", version, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stopping_makes_connections_fail_and_starting_brings_it_back()
    {
        Assert.SkipUnless(postgres.CanStopServer, "The database comes from ConnectionStrings__modeldb.");
        var ct = TestContext.Current.CancellationToken;

        await postgres.StopServerAsync(ct);
        try
        {
            await Assert.ThrowsAnyAsync<NpgsqlException>(() => ScalarAsync<int>(postgres.ConnectionString, "select 1"));
        }
        finally
        {
            await postgres.StartServerAsync(ct);
        }

        Assert.Equal(1, await ScalarAsync<int>(postgres.ConnectionString, "select 1"));
    }

    [Fact]
    public async Task CreateDatabaseAsync_gives_a_fresh_empty_database()
    {
        var ct = TestContext.Current.CancellationToken;
        var first = await postgres.CreateDatabaseAsync("fixture_isolation", ct);
        await ScalarAsync<int>(first, "create table leftover (id int); select 1");

        var second = await postgres.CreateDatabaseAsync("fixture_isolation", ct);

        Assert.Equal("fixture_isolation", await ScalarAsync<string>(second, "select current_database()"));
        Assert.Equal(0L, await ScalarAsync<long>(second, "select count(*) from pg_tables where tablename = 'leftover'"));
    }

    [Fact]
    public async Task CreateDatabaseAsync_rejects_names_that_need_quoting() =>
        await Assert.ThrowsAsync<ArgumentException>(() => postgres.CreateDatabaseAsync("Bad-Name", TestContext.Current.CancellationToken));

    private static async Task<T> ScalarAsync<T>(string connectionString, string sql)
    {
        // No pooling: a pooled connection from before a restart would be dead.
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false, Timeout = 5 }.ConnectionString);
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync(TestContext.Current.CancellationToken))!;
    }
}
