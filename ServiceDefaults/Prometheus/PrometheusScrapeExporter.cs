using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Metrics;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// The pull exporter behind <c>/metrics</c>. A scrape asks the reader to collect; the reader hands the batch to
/// <see cref="Export"/>, which copies it into an immutable snapshot. Scrapes that arrive while a collection runs
/// share its snapshot instead of collecting again, so every response is one consistent view.
/// </summary>
[ExportModes(ExportModes.Pull)]
internal sealed partial class PrometheusScrapeExporter(ILogger<PrometheusScrapeExporter> logger) : BaseExporter<Metric>, IPullMetricExporter
{
    private readonly Lock _gate = new();
    private Task<MetricsSnapshot>? _collection;
    private readonly HashSet<string> _reportedConflicts = new(StringComparer.Ordinal);
    private MetricsSnapshot? _exported;

    /// <summary>Set by the reader this exporter is attached to.</summary>
    public Func<int, bool>? Collect { get; set; }

    public override ExportResult Export(in Batch<Metric> batch)
    {
        // Export runs only inside Collect, and collections never overlap, so this state needs no lock.
        _exported = MetricsSnapshotBuilder.Build(batch, ParentProvider?.GetResource(), ReportConflict);
        return ExportResult.Success;
    }

    /// <summary>Collects now, or joins the collection already running.</summary>
    public Task<MetricsSnapshot> ScrapeAsync(TimeSpan timeout)
    {
        lock (_gate)
        {
            if (_collection is { IsCompleted: false } running)
            {
                return running;
            }

            _collection = Task.Run(() => CollectSnapshot(timeout));
            return _collection;
        }
    }

    private MetricsSnapshot CollectSnapshot(TimeSpan timeout)
    {
        var collect = Collect ?? throw new InvalidOperationException("The Prometheus exporter is not attached to a MeterProvider.");
        _exported = null;
        var milliseconds = (int)Math.Clamp(timeout.TotalMilliseconds, 1, int.MaxValue);
        if (!collect(milliseconds) || _exported is not { } snapshot)
        {
            throw new TimeoutException($"Metric collection did not complete within {timeout.TotalSeconds:0.###} s.");
        }

        return snapshot;
    }

    private void ReportConflict(string name)
    {
        if (_reportedConflicts.Add(name))
        {
            LogNameConflict(logger, name);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Two instruments map to the Prometheus name {Name} with different types; the second is not exported.")]
    private static partial void LogNameConflict(ILogger logger, string name);
}
