extern alias predictor;

using System.Diagnostics.Metrics;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Threading.Channels;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using predictor::Predictor.Api.PredictionLogging;

namespace Predictor.Benchmarks;

/// <summary>
/// Prediction logging per row, before (the code of commit 14ba546, in <see cref="Legacy"/>) and after, in the same run:
/// <list type="bullet">
/// <item><c>Row</c>: building the queued row from the request (features text, probabilities JSON).</item>
/// <item><c>Handoff</c>: putting a built row into the queue and taking it out (no waiting reader).</item>
/// <item><c>RequestPath</c>: both, as <c>/predict</c> does them per prediction (plus the writer's take).</item>
/// <item><c>CopyEncode</c>: the writer's client-side encoding of one row for binary COPY (after only: before, Npgsql's
/// importer encoded while sending; see <c>-- copy</c> for both measured against a real PostgreSQL).</item>
/// </list>
/// Waking the writer, GC of queued rows and the COPY's I/O are not in these; <c>-- pipeline</c> measures them.
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class LoggingBenchmarks
{
    private const int CopyRows = 1000;
    private static readonly DateTimeOffset s_at = new(2026, 11, 23, 12, 0, 30, TimeSpan.Zero);

    private readonly PredictionLogRow[] _taken = new PredictionLogRow[1];
    private JsonDocument _body = null!;
    private JsonElement _features;
    private Channel<LegacyRow> _legacyQueue = null!;
    private LegacyRow _legacyRow;
    private ServiceProvider _services = null!;
    private PredictionLogQueue _queue = null!;
    private PredictionLogRow[] _copyRows = null!;
    private PredictionLogCopyEncoder _encoder = null!;
    private string _spill = null!;

    [GlobalSetup]
    public void Setup()
    {
        _body = JsonDocument.Parse(Samples.BodyUtf8);
        _features = _body.RootElement.GetProperty("features");
        _legacyQueue = Legacy.CreateChannel(10_000);
        _legacyRow = Legacy.BuildRow(_features, Samples.Prediction, s_at, 0.2);
        _spill = Directory.CreateTempSubdirectory("predictor-bench-").FullName;
        _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        _queue = new PredictionLogQueue(Options.Create(new PredictionLoggingOptions { SpillDirectory = _spill }), _services.GetRequiredService<IMeterFactory>());
        _copyRows = [.. Enumerable.Range(0, CopyRows).Select(_ => PredictionLogRow.Create(Entry(), _queue.TextPool))];
        _encoder = new PredictionLogCopyEncoder();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _queue.Dispose();
        _services.Dispose();
        _body.Dispose();
        Directory.Delete(_spill, recursive: true);
    }

    [Benchmark(Baseline = true)]
    [BenchmarkCategory("Row")]
    public LegacyRow Row_Before() => Legacy.BuildRow(_features, Samples.Prediction, s_at, 0.2);

    [Benchmark]
    [BenchmarkCategory("Row")]
    public Guid Row_After()
    {
        var row = PredictionLogRow.Create(Entry(), _queue.TextPool);
        row.Release();
        return row.Id;
    }

    [Benchmark(Baseline = true)]
    [BenchmarkCategory("Handoff")]
    public bool Handoff_Before() => _legacyQueue.Writer.TryWrite(_legacyRow) && _legacyQueue.Reader.TryRead(out _);

    [Benchmark]
    [BenchmarkCategory("Handoff")]
    public int Handoff_After()
    {
        // The same built row each time: never released here.
        _queue.TryEnqueue(_copyRows[0]);
        return _queue.TakeQueued(_taken);
    }

    [Benchmark(Baseline = true)]
    [BenchmarkCategory("RequestPath")]
    public bool RequestPath_Before() => _legacyQueue.Writer.TryWrite(Legacy.BuildRow(_features, Samples.Prediction, s_at, 0.2)) && _legacyQueue.Reader.TryRead(out _);

    [Benchmark]
    [BenchmarkCategory("RequestPath")]
    public int RequestPath_After()
    {
        _queue.TryWrite(Entry());
        var taken = _queue.TakeQueued(_taken);
        _taken[0].Release();
        return taken;
    }

    [Benchmark(OperationsPerInvoke = CopyRows)]
    [BenchmarkCategory("CopyEncode")]
    public int CopyEncode_After()
    {
        _encoder.Encode(_copyRows);
        return _encoder.Encoded.Length;
    }

    private PredictionLogEntry Entry() => new(
        Samples.Prediction.Id,
        "load",
        1,
        s_at,
        JsonMarshal.GetRawUtf8Value(_features),
        Samples.Prediction.Label,
        Samples.Prediction.ProbabilitiesJson,
        null,
        Samples.Prediction.Confidence,
        0.2,
        drifted: false);
}
