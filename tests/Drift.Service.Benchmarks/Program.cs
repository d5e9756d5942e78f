// One evaluation by the service's own DriftEvaluator (bins read, all tests, quality, performance, policy, report
// stored) over a window of 1,000 minutes x 20 features holding 1,000,000 and then 10,000,000 predictions, and the
// exact raw-row path over 1,000,000 logged predictions of 20 features. Manual:
//   dotnet run -c Release --project tests/Drift.Service.Benchmarks [--raw-only]
extern alias drift;

using System.Diagnostics;
using System.Globalization;
using AppHost.Resources;
using drift::Drift.Service.Evaluation;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Monitoring.Data;
using Monitoring.Data.Profiles;
using Monitoring.Data.Registry;
using Npgsql;
using NpgsqlTypes;

const int Features = 20;
const int Minutes = 1000;
const int RawRows = 1_000_000;
var rawOnly = args.Contains("--raw-only");

await using var postgres = new PostgresServer(new PostgresServerOptions { Name = "postgres-drift-service-bench" });
await postgres.StartAsync();
await using (var database = new ModelDbContext(new DbContextOptionsBuilder<ModelDbContext>().UseNpgsql(postgres.ConnectionString).Options))
{
    await database.Database.MigrateAsync();
}

// The service's own registrations; the host is built, never started (no loop, no HTTP).
var builder = Host.CreateApplicationBuilder();
builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
{
    ["ConnectionStrings:modeldb"] = postgres.ConnectionString,
    ["Drift:Cooldown"] = "00:00:00",
});
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.Services.AddSingleton(TimeProvider.System);
builder.AddModelDatabase();
drift::Microsoft.Extensions.Hosting.DriftServiceExtensions.AddDriftServices(builder);
using var host = builder.Build();
var evaluator = host.Services.GetRequiredService<DriftEvaluator>();
var dataSource = host.Services.GetRequiredService<NpgsqlDataSource>();

var random = new Random(1);
double Normal(double shift) => shift + (Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble()));
var names = Enumerable.Range(0, Features).Select(i => $"f{i}").ToArray();
var profile = new ReferenceProfile
{
    Rows = 100_000,
    Features = [.. names.Select(n => ReferenceProfileBuilder.Numeric(n, [.. Enumerable.Range(0, 100_000).Select(_ => Normal(0))]))],
};
await ChampionAsync("bench");
await ChampionAsync("rawbench");

if (!rawOnly)
{
    await BinsAsync();
}

async Task BinsAsync()
{
// 1000 minutes x 20 features, 1000 predictions a minute: 1,000,000 predictions in the window; f1 shifted.
await using (var connection = await dataSource.OpenConnectionAsync())
await using (var importer = await connection.BeginBinaryImportAsync("COPY feature_bin_counts (model_name, model_version, feature, minute, counts, missing, out_of_range) FROM STDIN (FORMAT BINARY)"))
{
    var start = DateTimeOffset.UtcNow.AddMinutes(-Minutes - 1);
    var minute = new DateTimeOffset(start.Year, start.Month, start.Day, start.Hour, start.Minute, 0, TimeSpan.Zero);
    for (var m = 0; m < Minutes; m++)
    {
        foreach (var feature in profile.Features)
        {
            var counts = new long[feature.SlotCount];
            for (var i = 0; i < 1000; i++)
            {
                counts[feature.SlotOf(Normal(feature.Name == "f1" ? 0.5 : 0))]++;
            }

            await importer.StartRowAsync();
            await importer.WriteAsync("bench");
            await importer.WriteAsync(1);
            await importer.WriteAsync(feature.Name);
            await importer.WriteAsync(minute.AddMinutes(m).UtcDateTime);
            await importer.WriteAsync(counts);
            await importer.WriteAsync(0L);
            await importer.WriteAsync(0L);
        }
    }

    await importer.CompleteAsync();
}

await RunAsync("bins, 1M predictions", "bench", EvaluationPath.Bins, runs: 5);
await using (var scale = dataSource.CreateCommand("UPDATE feature_bin_counts SET counts = (SELECT array_agg(c * 10 ORDER BY i) FROM unnest(counts) WITH ORDINALITY u(c, i))"))
{
    await scale.ExecuteNonQueryAsync();
}

await RunAsync("bins, 10M predictions", "bench", EvaluationPath.Bins, runs: 5);
}

// 1,000,000 logged predictions with 20 numeric features (json, as the predictor logs them); f1 shifted.
await using (var connection = await dataSource.OpenConnectionAsync())
await using (var importer = await connection.BeginBinaryImportAsync("COPY prediction_logs (id, model_name, model_version, created_at, features, latency_ms, drifted) FROM STDIN (FORMAT BINARY)"))
{
    var at = DateTime.UtcNow.AddMinutes(-30);
    var json = new System.Text.StringBuilder();
    for (var i = 0; i < RawRows; i++)
    {
        json.Clear().Append('{');
        for (var f = 0; f < Features; f++)
        {
            json.Append(f == 0 ? "\"" : ",\"").Append(names[f]).Append("\":").Append(Normal(f == 1 ? 0.5 : 0).ToString("R", CultureInfo.InvariantCulture));
        }

        await importer.StartRowAsync();
        await importer.WriteAsync(Guid.CreateVersion7());
        await importer.WriteAsync("rawbench");
        await importer.WriteAsync(1);
        await importer.WriteAsync(at);
        await importer.WriteAsync(json.Append('}').ToString(), NpgsqlDbType.Json);
        await importer.WriteAsync(1.0);
        await importer.WriteAsync(false);
    }

    await importer.CompleteAsync();
}

await using (var analyze = dataSource.CreateCommand("VACUUM ANALYZE prediction_logs"))
{
    await analyze.ExecuteNonQueryAsync();
}

await RunAsync($"raw path, {RawRows:N0} logged predictions x {Features} features", "rawbench", EvaluationPath.Raw, runs: 3);

// Where the raw path's time goes: streaming the documents, parsing them, the per-feature comparisons.
for (var run = 0; run < 2; run++)
{
    var utf8Names = profile.Features.Select(f => System.Text.Encoding.UTF8.GetBytes(f.Name)).ToArray();
    var columns = utf8Names.Select(_ => new List<double>(RawRows)).ToArray();
    var row = new double[utf8Names.Length];
    var buffer = new byte[1 << 16];
    var watch = Stopwatch.StartNew();
    TimeSpan parse = default;
    await using (var command = dataSource.CreateCommand("SELECT convert_to(features::text, 'UTF8') FROM prediction_logs WHERE model_name = 'rawbench'"))
    await using (var reader = await command.ExecuteReaderAsync(System.Data.CommandBehavior.SequentialAccess))
    {
        while (await reader.ReadAsync())
        {
            var length = (int)reader.GetBytes(0, 0, buffer, 0, buffer.Length);
            var started = Stopwatch.GetTimestamp();
            drift::Drift.Service.Evaluation.RawWindowReader.ParseRow(buffer.AsSpan(0, length), utf8Names, row);
            for (var i = 0; i < row.Length; i++)
            {
                columns[i].Add(row[i]);
            }

            parse += Stopwatch.GetElapsedTime(started);
        }
    }

    var read = watch.Elapsed;
    foreach (var (feature, i) in profile.Features.Select((f, i) => (f, i)))
    {
        drift::Drift.Service.Statistics.WindowComparison.CompareValues(feature, System.Runtime.InteropServices.CollectionsMarshal.AsSpan(columns[i]), new());
    }

    Console.WriteLine($"raw path parts run {run}: stream {(read - parse).TotalMilliseconds:0} ms, parse {parse.TotalMilliseconds:0} ms, 20 comparisons {(watch.Elapsed - read).TotalMilliseconds:0} ms");
}

async Task RunAsync(string label, string model, EvaluationPath path, int runs)
{
    for (var run = 0; run < runs; run++)
    {
        GC.Collect();
        var allocated = GC.GetTotalAllocatedBytes(precise: true);
        var watch = Stopwatch.StartNew();
        var report = await evaluator.EvaluateAsync(model, TimeSpan.FromMinutes(Minutes + 10), path, CancellationToken.None)
            ?? throw new InvalidOperationException($"{model} has no champion.");
        watch.Stop();
        Console.WriteLine(
            $"{label} run {run}: {watch.Elapsed.TotalMilliseconds:0} ms, {(GC.GetTotalAllocatedBytes(precise: true) - allocated) / 1024.0 / 1024.0:0.0} MB allocated, " +
            $"{report.Samples:N0} samples ({report.Path}), drifted: {string.Join(",", report.Drift.Features.Where(f => f.Drift).Select(f => f.Feature))}, " +
            $"peak working set so far {Process.GetCurrentProcess().PeakWorkingSet64 / 1024 / 1024} MB");
    }
}

async Task ChampionAsync(string model)
{
    await using var database = new ModelDbContext(new DbContextOptionsBuilder<ModelDbContext>().UseNpgsql(postgres.ConnectionString).Options);
    var registered = new RegisteredModel { Name = model, Task = ModelTask.Classification, CreatedAt = DateTimeOffset.UtcNow };
    database.Models.Add(registered);
    await database.SaveChangesAsync();
    database.ModelVersions.Add(new ModelVersion
    {
        ModelId = registered.Id,
        Version = 1,
        Stage = ModelStage.Champion,
        Sha256 = new string('0', 64),
        FeatureSchema = new FeatureSchema([.. names.Select(n => new FeatureDefinition(n, FeatureType.Numeric))]).ToJson(),
        Algorithm = "bench",
        ReferenceProfile = profile.ToJson(),
        CreatedAt = DateTimeOffset.UtcNow,
        PromotedAt = DateTimeOffset.UtcNow,
        Artifact = new ModelArtifact { Onnx = [1] },
    });
    await database.SaveChangesAsync();
}
