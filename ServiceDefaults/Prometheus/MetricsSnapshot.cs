namespace Microsoft.Extensions.Hosting;

internal enum PrometheusMetricType
{
    Counter,
    Gauge,
    Histogram,
}

/// <summary>One label of a series, already sanitised.</summary>
internal readonly record struct PrometheusLabel(string Name, string Value);

/// <summary>One series of a family: its labels and either a scalar value or cumulative histogram buckets.</summary>
internal sealed class PrometheusSeries
{
    public required PrometheusLabel[] Labels { get; init; }

    /// <summary>Counter or gauge value. Integer instruments keep <see cref="LongValue"/> so they print as integers.</summary>
    public double Value { get; init; }

    public long? LongValue { get; init; }

    /// <summary>Histogram upper bounds, the last being +Inf.</summary>
    public double[] BucketBounds { get; init; } = [];

    /// <summary>Cumulative counts per bound in <see cref="BucketBounds"/>.</summary>
    public long[] CumulativeCounts { get; init; } = [];

    public double Sum { get; init; }

    public long Count { get; init; }
}

/// <summary>A metric family: one name, one type, one help text, many series.</summary>
internal sealed class PrometheusFamily
{
    public required PrometheusNaming.FamilyNames Names { get; init; }

    public required PrometheusMetricType Type { get; init; }

    public required string Help { get; init; }

    public List<PrometheusSeries> Series { get; } = [];
}

/// <summary>
/// Everything one collection produced. Immutable once built, so every scrape served from it is consistent;
/// each exposition format is rendered at most once.
/// </summary>
internal sealed class MetricsSnapshot(IReadOnlyList<PrometheusFamily> families, IReadOnlyList<PrometheusLabel> targetInfo)
{
    private byte[]? _prometheusText;
    private byte[]? _openMetrics;

    public IReadOnlyList<PrometheusFamily> Families { get; } = families;

    public IReadOnlyList<PrometheusLabel> TargetInfo { get; } = targetInfo;

    public ReadOnlyMemory<byte> Render(ScrapeFormat format) => format.IsOpenMetrics
        ? _openMetrics ??= PrometheusTextWriter.Write(this, openMetrics: true)
        : _prometheusText ??= PrometheusTextWriter.Write(this, openMetrics: false);
}
