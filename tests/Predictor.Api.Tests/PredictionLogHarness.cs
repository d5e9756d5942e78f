extern alias predictor;

using System.Diagnostics.Metrics;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Monitoring.Data;
using Npgsql;
using predictor::Predictor.Api.PredictionLogging;

namespace Predictor.Api.Tests;

/// <summary>A prediction as a test hands it to the log, with the features as JSON text.</summary>
internal sealed record LoggedRow(
    Guid Id,
    string ModelName,
    int ModelVersion,
    DateTimeOffset CreatedAt,
    string FeaturesJson,
    string? Label,
    IReadOnlyDictionary<string, double>? Probabilities,
    double? Value,
    double? Confidence,
    double LatencyMs,
    bool Drifted)
{
    /// <summary>What prediction_logs.probabilities holds for this row: JsonSerializer's text of the map.</summary>
    public string? ProbabilitiesJson => Probabilities is null ? null : System.Text.Json.JsonSerializer.Serialize(Probabilities);

    public PredictionLogEntry ToEntry() => new(
        Id, ModelName, ModelVersion, CreatedAt, System.Text.Encoding.UTF8.GetBytes(FeaturesJson), Label, Probabilities is null ? default : System.Text.Encoding.UTF8.GetBytes(ProbabilitiesJson!), Value, Confidence, LatencyMs, Drifted);
}

internal static class PredictionLogExtensions
{
    public static bool TryWrite(this IPredictionLog log, LoggedRow row) => log.TryWrite(row.ToEntry());
}

/// <summary>A queue and writer wired by hand over a real database, as AddPredictionLogging wires them.</summary>
internal sealed class PredictionLogHarness : IAsyncDisposable
{
    private readonly ServiceProvider _meters;
    private bool _started;

    public PredictionLogHarness(string connectionString, string spillDirectory, Action<PredictionLoggingOptions>? configure = null)
    {
        Options = new PredictionLoggingOptions { SpillDirectory = spillDirectory, FlushInterval = TimeSpan.FromMilliseconds(100), MaxRetryDelay = TimeSpan.FromMilliseconds(500) };
        configure?.Invoke(Options);
        _meters = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var options = Microsoft.Extensions.Options.Options.Create(Options);
        Queue = new PredictionLogQueue(options, _meters.GetRequiredService<IMeterFactory>());
        DataSource = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(connectionString) { Timeout = 3, CommandTimeout = 10 }.ConnectionString);
        Writer = new PredictionLogWriter(Queue, DataSource, _ => Task.CompletedTask, options, TimeProvider.System, NullLogger<PredictionLogWriter>.Instance);
    }

    public PredictionLoggingOptions Options { get; }

    public PredictionLogQueue Queue { get; }

    public NpgsqlDataSource DataSource { get; }

    public PredictionLogWriter Writer { get; }

    public IPredictionLog Log => Queue;

    public IMeterFactory MeterFactory => _meters.GetRequiredService<IMeterFactory>();

    public async Task StartAsync()
    {
        _started = true;
        await Writer.StartAsync(TestContext.Current.CancellationToken);
    }

    /// <summary>Stops the writer: it drains the queue into the database or the spill.</summary>
    public async Task StopAsync()
    {
        if (_started)
        {
            _started = false;
            await Writer.StopAsync(CancellationToken.None);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        Writer.Dispose();
        Queue.Dispose();
        await DataSource.DisposeAsync();
        await _meters.DisposeAsync();
    }

    public static LoggedRow Row(int i) => new(
        Guid.CreateVersion7(),
        "credit",
        1 + (i % 3),
        new DateTimeOffset(2026, 11, 22, 10, 0, 0, TimeSpan.Zero).AddMilliseconds(i),
        $$"""{"age": {{i}}, "income": 1234.5}""",
        i % 2 == 0 ? "yes" : null,
        i % 2 == 0 ? new Dictionary<string, double> { ["no"] = 0.25, ["yes"] = 0.75 } : null,
        i % 2 == 0 ? null : i * 0.5,
        i % 2 == 0 ? 0.75 : null,
        1.25 + i,
        i % 5 == 0);

    public static ModelDbContext Open(string connectionString) =>
        new(new DbContextOptionsBuilder<ModelDbContext>().UseNpgsql(connectionString).Options);

    public static async Task MigrateAsync(string connectionString)
    {
        await using var database = Open(connectionString);
        await database.Database.MigrateAsync(TestContext.Current.CancellationToken);
    }

    public static async Task<long> CountAsync(string connectionString, string where = "true")
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var command = new NpgsqlCommand($"select count(*) from prediction_logs where {where}", connection);
        return (long)(await command.ExecuteScalarAsync(TestContext.Current.CancellationToken))!;
    }

    public static async Task<long> DistinctIdsAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var command = new NpgsqlCommand("select count(distinct id) from prediction_logs", connection);
        return (long)(await command.ExecuteScalarAsync(TestContext.Current.CancellationToken))!;
    }

    /// <summary>Polls until the condition holds (behaviour, not timing: the timeout is only a safety net).</summary>
    public static async Task EventuallyAsync(Func<Task<bool>> condition, string what, int timeoutSeconds = 30)
    {
        var deadline = DateTime.UtcNow.AddSeconds(timeoutSeconds);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"Timed out waiting until {what}.");
            }

            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
    }

    /// <summary>A connection string to a port nothing listens on: a database that is down.</summary>
    public static string Unreachable()
    {
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return $"Host=127.0.0.1;Port={port};Username=nobody;Password=none;Database=none;Timeout=2";
    }
}
