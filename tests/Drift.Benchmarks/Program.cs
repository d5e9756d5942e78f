// One drift evaluation over a window holding 1,000,000 and then 10,000,000 predictions of 20 features (per-minute
// binned counts in PostgreSQL, as the predictor writes them), and the exact raw-row path: 1,000,000 logged rows read
// with binary COPY and tested with an exact two-sample KS. Usage: dotnet run -c Release --project tests/Drift.Benchmarks
extern alias drift;

using System.Diagnostics;
using AppHost.Resources;
using drift::Drift.Service.Evaluation;
using drift::Drift.Service.Statistics;
using Microsoft.EntityFrameworkCore;
using Monitoring.Data;
using Monitoring.Data.Profiles;
using Npgsql;
using NpgsqlTypes;

const int Features = 20;
const int Minutes = 1000;
await using var postgres = new PostgresServer(new PostgresServerOptions { Name = "postgres-drift-bench" });
await postgres.StartAsync();
await using (var database = new ModelDbContext(new DbContextOptionsBuilder<ModelDbContext>().UseNpgsql(postgres.ConnectionString).Options))
{
    await database.Database.MigrateAsync();
}

await using var dataSource = NpgsqlDataSource.Create(postgres.ConnectionString);
var random = new Random(1);
double Normal(double shift) => shift + (Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble()));
var names = Enumerable.Range(0, Features).Select(i => $"f{i}").ToArray();
var profile = new ReferenceProfile
{
    Rows = 100_000,
    Features = [.. names.Select(n => ReferenceProfileBuilder.Numeric(n, [.. Enumerable.Range(0, 100_000).Select(_ => Normal(0))]))],
};

// 1000 minutes x 20 features, 1000 predictions a minute: 1,000,000 predictions in the window.
await using (var connection = await dataSource.OpenConnectionAsync())
await using (var importer = await connection.BeginBinaryImportAsync("COPY feature_bin_counts (model_name, model_version, feature, minute, counts, missing, out_of_range) FROM STDIN (FORMAT BINARY)"))
{
    var start = DateTimeOffset.UtcNow.AddMinutes(-Minutes - 1);
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
            await importer.WriteAsync(start.AddMinutes(m).UtcDateTime);
            await importer.WriteAsync(counts);
            await importer.WriteAsync(0L);
            await importer.WriteAsync(0L);
        }
    }

    await importer.CompleteAsync();
}

async Task EvaluateAsync(string label)
{
    for (var run = 0; run < 4; run++)
    {
        GC.Collect();
        var allocated = GC.GetTotalAllocatedBytes(precise: true);
        var watch = Stopwatch.StartNew();
        var window = await WindowReader.ReadAsync(dataSource, "bench", 1, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow, CancellationToken.None);
        var read = watch.Elapsed;
        var result = WindowComparison.Compare(profile, window.ToDictionary(p => p.Key, p => p.Value.Counts));
        watch.Stop();
        Console.WriteLine($"{label} run {run}: {watch.Elapsed.TotalMilliseconds:0} ms (SQL {read.TotalMilliseconds:0} ms), {(GC.GetTotalAllocatedBytes(precise: true) - allocated) / 1024.0 / 1024.0:0.0} MB allocated, " +
            $"{result.Rows:N0} rows, drifted: {string.Join(",", result.Features.Where(f => f.Drift).Select(f => f.Feature))}, peak working set {Process.GetCurrentProcess().PeakWorkingSet64 / 1024 / 1024} MB");
    }
}

await EvaluateAsync("1M predictions");
await using (var scale = dataSource.CreateCommand("UPDATE feature_bin_counts SET counts = (SELECT array_agg(c * 10 ORDER BY i) FROM unnest(counts) WITH ORDINALITY u(c, i))"))
{
    await scale.ExecuteNonQueryAsync();
}

await EvaluateAsync("10M predictions");

// The raw path: 1,000,000 logged rows, one feature read back by binary COPY, exact KS against 1,000,000 reference values.
await using (var connection = await dataSource.OpenConnectionAsync())
await using (var importer = await connection.BeginBinaryImportAsync("COPY prediction_logs (id, model_name, model_version, created_at, features, latency_ms, drifted) FROM STDIN (FORMAT BINARY)"))
{
    var at = DateTime.UtcNow.AddMinutes(-30);
    for (var i = 0; i < 1_000_000; i++)
    {
        await importer.StartRowAsync();
        await importer.WriteAsync(Guid.CreateVersion7());
        await importer.WriteAsync("bench");
        await importer.WriteAsync(1);
        await importer.WriteAsync(at);
        await importer.WriteAsync($"{{\"f0\":{Normal(0.1).ToString(System.Globalization.CultureInfo.InvariantCulture)}}}", NpgsqlDbType.Json);
        await importer.WriteAsync(1.0);
        await importer.WriteAsync(false);
    }

    await importer.CompleteAsync();
}

var reference = Enumerable.Range(0, 1_000_000).Select(_ => Normal(0)).ToArray();
for (var run = 0; run < 3; run++)
{
    GC.Collect();
    var watch = Stopwatch.StartNew();
    var values = new List<double>(1_000_000);
    await using (var connection = await dataSource.OpenConnectionAsync())
    await using (var export = await connection.BeginBinaryExportAsync("COPY (SELECT (features->>'f0')::float8 FROM prediction_logs WHERE model_name = 'bench') TO STDOUT (FORMAT BINARY)"))
    {
        while (await export.StartRowAsync() != -1)
        {
            values.Add(await export.ReadAsync<double>());
        }
    }

    var read = watch.Elapsed;
    var ks = KolmogorovSmirnov.TwoSample(reference, values.ToArray());
    watch.Stop();
    Console.WriteLine($"raw 1M rows run {run}: {watch.Elapsed.TotalMilliseconds:0} ms (COPY read {read.TotalMilliseconds:0} ms), D = {ks.Statistic:0.0000}, p = {ks.PValue:G3}, peak working set {Process.GetCurrentProcess().PeakWorkingSet64 / 1024 / 1024} MB");
}
