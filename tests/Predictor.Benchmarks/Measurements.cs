extern alias predictor;

using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using AppHost.Resources;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Monitoring.Data;
using Npgsql;
using predictor::Predictor.Api.PredictionLogging;

namespace Predictor.Benchmarks;

/// <summary>A throw-away PostgreSQL with the model database migrated, and the CPU clocks the measurements read.</summary>
internal sealed class MeasurementDatabase : IAsyncDisposable
{
    private readonly PostgresServer _server = new(new PostgresServerOptions { Name = "predictor-benchmarks" });

    public string ConnectionString => _server.ConnectionString;

    public NpgsqlDataSource DataSource { get; private set; } = null!;

    public static async Task<MeasurementDatabase> StartAsync()
    {
        var database = new MeasurementDatabase();
        await database._server.StartAsync();
        await using (var context = new ModelDbContext(new DbContextOptionsBuilder<ModelDbContext>().UseNpgsql(database.ConnectionString).Options))
        {
            await context.Database.MigrateAsync();
        }

        database.DataSource = NpgsqlDataSource.Create(database.ConnectionString);
        return database;
    }

    public async Task TruncateAsync()
    {
        await using var command = DataSource.CreateCommand("TRUNCATE prediction_logs");
        await command.ExecuteNonQueryAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await DataSource.DisposeAsync();
        await _server.DisposeAsync();
    }

    /// <summary>CPU seconds (user + system) of this process.</summary>
    public static double ProcessCpuSeconds()
    {
        using var process = Process.GetCurrentProcess();
        return process.TotalProcessorTime.TotalSeconds;
    }

    /// <summary>CPU seconds of the calling thread, from /proc (Linux; 10 ms resolution).</summary>
    public static double ThreadCpuSeconds() => StatCpuSeconds(File.ReadAllText("/proc/thread-self/stat"));

    /// <summary>CPU seconds of every postgres process on the machine (server and backends).</summary>
    public static double PostgresCpuSeconds() => Directory.EnumerateDirectories("/proc")
        .Select(Path.GetFileName)
        .Where(name => int.TryParse(name, out _))
        .Sum(name =>
        {
            try
            {
                return File.ReadAllText($"/proc/{name}/comm").StartsWith("postgres", StringComparison.Ordinal) ? StatCpuSeconds(File.ReadAllText($"/proc/{name}/stat")) : 0;
            }
            catch (IOException)
            {
                return 0;
            }
        });

    private static double StatCpuSeconds(string stat)
    {
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0;
    }

    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }
}

/// <summary>
/// Client CPU per row of the writer's binary COPY: batches (of 1,000 rows unless told) into <c>prediction_logs</c>, the importer of
/// commit 14ba546 (one call per value) against the encoder of today, alternating over five rounds after one that warms up.
/// </summary>
internal static class CopyMeasurement
{
    private const int Rounds = 5;

    public static async Task RunAsync(int rows, int batchSize)
    {
        await using var database = await MeasurementDatabase.StartAsync();
        using var body = JsonDocument.Parse(Samples.BodyUtf8);
        var features = body.RootElement.GetProperty("features");
        var at = DateTimeOffset.UtcNow;
        var results = new List<(string Name, double ClientMicros, double ServerMicros, double Seconds)>();
        // Round 0 warms up (JIT tiers) and is not reported.
        for (var round = 0; round <= Rounds; round++)
        {
            var legacy = Enumerable.Range(0, rows).Select(_ => Legacy.BuildRow(features, Samples.Prediction with { Id = Guid.CreateVersion7() }, at, 0.2)).ToArray();
            var before = await MeasureAsync(database, "before: importer per value", rows, batchSize, async (connection, start, count) =>
                await Legacy.CopyAsync(connection, legacy.AsMemory(start, count), CancellationToken.None));

            var current = Enumerable.Range(0, rows).Select(_ => PredictionLogRow.Create(Entry(features, at), System.Buffers.ArrayPool<byte>.Shared)).ToArray();
            var encoder = new PredictionLogCopyEncoder();
            var after = await MeasureAsync(database, "after: encoded batch", rows, batchSize, async (connection, start, count) =>
            {
                encoder.Encode(current.AsSpan(start, count));
                await using var copy = await connection.BeginRawBinaryCopyAsync(Legacy.CopySql);
                await copy.WriteAsync(encoder.Encoded);
            });
            if (round > 0)
            {
                results.Add(before);
                results.Add(after);
            }
        }

        Console.WriteLine($"\nbinary COPY of {rows:N0} rows in batches of {batchSize} ({Environment.ProcessorCount} cores, PostgreSQL on this machine):");
        foreach (var (name, client, server, seconds) in results)
        {
            Console.WriteLine($"  {name,-28} client {client,5:0.00} µs CPU/row, postgres {server,5:0.00} µs CPU/row, {rows / seconds,9:N0} rows/s");
        }

        foreach (var name in results.Select(r => r.Name).Distinct())
        {
            var mine = results.Where(r => r.Name == name).ToList();
            Console.WriteLine($"  median {name,-21} client {MeasurementDatabase.Median(mine.Select(r => r.ClientMicros)):0.00} µs CPU/row, postgres {MeasurementDatabase.Median(mine.Select(r => r.ServerMicros)):0.00} µs CPU/row");
        }
    }

    private static PredictionLogEntry Entry(JsonElement features, DateTimeOffset at) => new(
        Guid.CreateVersion7(), "load", 1, at, JsonMarshal.GetRawUtf8Value(features), Samples.Prediction.Label, Samples.Prediction.ProbabilitiesJson, null, Samples.Prediction.Confidence, 0.2, drifted: false);

    private static async Task<(string, double, double, double)> MeasureAsync(MeasurementDatabase database, string name, int rows, int batchSize, Func<NpgsqlConnection, int, int, Task> copy)
    {
        await database.TruncateAsync();
        GC.Collect();
        var client = MeasurementDatabase.ProcessCpuSeconds();
        var server = MeasurementDatabase.PostgresCpuSeconds();
        var clock = Stopwatch.StartNew();
        for (var start = 0; start < rows; start += batchSize)
        {
            await using var connection = await database.DataSource.OpenConnectionAsync();
            await copy(connection, start, Math.Min(batchSize, rows - start));
        }

        var seconds = clock.Elapsed.TotalSeconds;
        client = MeasurementDatabase.ProcessCpuSeconds() - client;
        server = MeasurementDatabase.PostgresCpuSeconds() - server;
        return (name, client * 1e6 / rows, server * 1e6 / rows, seconds);
    }
}

/// <summary>
/// The whole logging pipeline at a steady request rate: one thread plays the request path (builds and queues a row
/// per prediction, paced by spinning), the writer stores them in a real PostgreSQL. What is reported is the CPU of
/// everything but that thread (the writer, its wake-ups, COPY, the GC of queued rows) per row, before (commit
/// 14ba546's row, channel loop and importer) and after; "none" paces without logging, the floor of the method.
/// </summary>
internal static class PipelineMeasurement
{
    public static async Task RunAsync(int[] args)
    {
        var seconds = args.Length > 0 ? args[0] : 10;
        var rate = args.Length > 1 ? args[1] : 20_000;
        var rounds = args.Length > 2 ? args[2] : 3;
        await using var database = await MeasurementDatabase.StartAsync();
        var spill = Directory.CreateTempSubdirectory("predictor-pipeline-").FullName;
        var results = new List<(string Name, double WriterMicros, double ServerMicros, long Rows)>();
        try
        {
            for (var round = 0; round < rounds; round++)
            {
                results.Add(await RunAsync("none", seconds, rate, database, _ => Task.FromResult<(Func<JsonElement, bool>, Func<Task>)>((_ => true, () => Task.CompletedTask))));
                results.Add(await RunAsync("before", seconds, rate, database, token => StartLegacy(database, token)));
                results.Add(await RunAsync("after", seconds, rate, database, token => StartCurrentAsync(database, spill, token)));
            }
        }
        finally
        {
            Directory.Delete(spill, recursive: true);
        }

        Console.WriteLine($"\nlogging pipeline at {rate:N0} rows/s for {seconds} s per run ({Environment.ProcessorCount} cores, PostgreSQL on this machine), CPU outside the request thread:");
        foreach (var (name, writer, server, rows) in results)
        {
            Console.WriteLine($"  {name,-7} {writer,6:0.00} µs CPU/row, postgres {server,5:0.00} µs CPU/row ({rows:N0} rows)");
        }

        foreach (var name in results.Select(r => r.Name).Distinct())
        {
            var mine = results.Where(r => r.Name == name).ToList();
            Console.WriteLine($"  median {name,-7} {MeasurementDatabase.Median(mine.Select(r => r.WriterMicros)):0.00} µs CPU/row, postgres {MeasurementDatabase.Median(mine.Select(r => r.ServerMicros)):0.00} µs CPU/row");
        }
    }

    private static async Task<(string, double, double, long)> RunAsync(
        string name, int seconds, int rate, MeasurementDatabase database, Func<CancellationToken, Task<(Func<JsonElement, bool> Write, Func<Task> Stop)>> start)
    {
        await database.TruncateAsync();
        using var stop = new CancellationTokenSource();
        var (write, stopWriter) = await start(stop.Token);
        var warmUp = TimeSpan.FromSeconds(2);
        double processCpu = 0, threadCpu = 0, serverCpu = 0;
        long rows = 0;
        var producer = new Thread(() =>
        {
            using var body = JsonDocument.Parse(Samples.BodyUtf8);
            var features = body.RootElement.GetProperty("features");
            var interval = Stopwatch.Frequency / rate;
            var began = Stopwatch.GetTimestamp();
            var measureFrom = began + (long)(warmUp.TotalSeconds * Stopwatch.Frequency);
            var end = measureFrom + ((long)seconds * Stopwatch.Frequency);
            var next = began;
            var measuring = false;
            while (true)
            {
                var now = Stopwatch.GetTimestamp();
                if (!measuring && now >= measureFrom)
                {
                    measuring = true;
                    processCpu = MeasurementDatabase.ProcessCpuSeconds();
                    threadCpu = MeasurementDatabase.ThreadCpuSeconds();
                    serverCpu = MeasurementDatabase.PostgresCpuSeconds();
                }

                if (now >= end)
                {
                    processCpu = MeasurementDatabase.ProcessCpuSeconds() - processCpu;
                    threadCpu = MeasurementDatabase.ThreadCpuSeconds() - threadCpu;
                    serverCpu = MeasurementDatabase.PostgresCpuSeconds() - serverCpu;
                    return;
                }

                while (Stopwatch.GetTimestamp() < next)
                {
                    Thread.SpinWait(10);
                }

                next += interval;
                if (!write(features))
                {
                    throw new InvalidOperationException("A row was not accepted: the writer fell behind.");
                }

                if (measuring)
                {
                    rows++;
                }
            }
        })
        { IsBackground = true, Name = "request path" };
        producer.Start();
        await Task.Run(producer.Join);
        await stopWriter();
        await stop.CancelAsync();
        return (name, (processCpu - threadCpu) * 1e6 / rows, serverCpu * 1e6 / rows, rows);
    }

    private static Task<(Func<JsonElement, bool>, Func<Task>)> StartLegacy(MeasurementDatabase database, CancellationToken token)
    {
        var channel = Legacy.CreateChannel(10_000);
        var loop = Task.Run(async () =>
        {
            var batch = new LegacyRow[1000];
            while (!channel.Reader.Completion.IsCompleted)
            {
                var count = await Legacy.ReadBatchAsync(channel.Reader, batch, TimeSpan.FromSeconds(1), token);
                if (count > 0)
                {
                    await using var connection = await database.DataSource.OpenConnectionAsync(CancellationToken.None);
                    await Legacy.CopyAsync(connection, batch.AsMemory(0, count), CancellationToken.None);
                    Array.Clear(batch, 0, count);
                }
            }
        }, CancellationToken.None);
        bool Write(JsonElement features) => channel.Writer.TryWrite(Legacy.BuildRow(features, Samples.Prediction with { Id = Guid.CreateVersion7() }, DateTimeOffset.UtcNow, 0.2));
        async Task Stop()
        {
            channel.Writer.TryComplete();
            try
            {
                await loop;
            }
            catch (OperationCanceledException)
            {
            }
        }

        return Task.FromResult<(Func<JsonElement, bool>, Func<Task>)>((Write, Stop));
    }

    private static async Task<(Func<JsonElement, bool>, Func<Task>)> StartCurrentAsync(MeasurementDatabase database, string spill, CancellationToken token)
    {
        var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var options = Options.Create(new PredictionLoggingOptions { SpillDirectory = spill });
        var queue = new PredictionLogQueue(options, services.GetRequiredService<IMeterFactory>());
        var writer = new PredictionLogWriter(queue, database.DataSource, _ => Task.CompletedTask, options, TimeProvider.System, NullLogger<PredictionLogWriter>.Instance);
        await writer.StartAsync(token);
        bool Write(JsonElement features) => queue.TryWrite(new PredictionLogEntry(
            Guid.CreateVersion7(), "load", 1, DateTimeOffset.UtcNow, JsonMarshal.GetRawUtf8Value(features), Samples.Prediction.Label, Samples.Prediction.ProbabilitiesJson, null, Samples.Prediction.Confidence, 0.2, drifted: false));
        async Task Stop()
        {
            await writer.StopAsync(CancellationToken.None);
            writer.Dispose();
            queue.Dispose();
            await services.DisposeAsync();
        }

        return (Write, Stop);
    }
}
