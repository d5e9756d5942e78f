using System.Globalization;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Copies one OpenTelemetry collection into a <see cref="MetricsSnapshot"/>. OpenTelemetry's <see cref="Metric"/>
/// objects are only valid while <c>Export</c> runs, so everything is read out here.
/// </summary>
internal static class MetricsSnapshotBuilder
{
    private const string ScopeNameLabel = "otel_scope_name";
    private const string ScopeVersionLabel = "otel_scope_version";

    public static MetricsSnapshot Build(in Batch<Metric> batch, Resource? resource, Action<string>? onConflict = null)
    {
        var families = new List<PrometheusFamily>();
        var byName = new Dictionary<string, PrometheusFamily>(StringComparer.Ordinal);
        foreach (var metric in batch)
        {
            if (MapType(metric.MetricType) is not { } type)
            {
                continue;
            }

            var names = PrometheusNaming.ForInstrument(metric.Name, metric.Unit, type == PrometheusMetricType.Counter);
            if (byName.TryGetValue(names.SampleName, out var family))
            {
                // Two instruments with one Prometheus name: merge when they agree, else keep the first.
                if (family.Type != type)
                {
                    onConflict?.Invoke(names.SampleName);
                    continue;
                }
            }
            else
            {
                family = new PrometheusFamily
                {
                    Names = names,
                    Type = type,
                    Help = string.IsNullOrWhiteSpace(metric.Description)
                        // promtool rejects families without help; say at least where the numbers come from.
                        ? $"{metric.Name} from {metric.MeterName}"
                        : metric.Description,
                };
                byName.Add(names.SampleName, family);
                families.Add(family);
            }

            AddSeries(family, metric);
        }

        return new MetricsSnapshot(families, TargetInfo(resource));
    }

    private static PrometheusMetricType? MapType(MetricType type) => type switch
    {
        MetricType.LongSum or MetricType.DoubleSum => PrometheusMetricType.Counter,
        MetricType.LongGauge or MetricType.DoubleGauge
            or MetricType.LongSumNonMonotonic or MetricType.DoubleSumNonMonotonic => PrometheusMetricType.Gauge,
        MetricType.Histogram => PrometheusMetricType.Histogram,
        // Exponential histograms have no Prometheus text form.
        _ => null,
    };

    private static void AddSeries(PrometheusFamily family, Metric metric)
    {
        foreach (ref readonly var point in metric.GetMetricPoints())
        {
            var labels = Labels(metric, point.Tags, dropLe: family.Type == PrometheusMetricType.Histogram);
            family.Series.Add(metric.MetricType switch
            {
                MetricType.LongSum or MetricType.LongSumNonMonotonic => Scalar(labels, point.GetSumLong()),
                MetricType.DoubleSum or MetricType.DoubleSumNonMonotonic => new PrometheusSeries { Labels = labels, Value = point.GetSumDouble() },
                MetricType.LongGauge => Scalar(labels, point.GetGaugeLastValueLong()),
                MetricType.DoubleGauge => new PrometheusSeries { Labels = labels, Value = point.GetGaugeLastValueDouble() },
                _ => Histogram(labels, point),
            });
        }
    }

    private static PrometheusSeries Scalar(PrometheusLabel[] labels, long value) =>
        new() { Labels = labels, Value = value, LongValue = value };

    private static PrometheusSeries Histogram(PrometheusLabel[] labels, in MetricPoint point)
    {
        var bounds = new List<double>();
        var cumulative = new List<long>();
        long running = 0;
        foreach (var bucket in point.GetHistogramBuckets())
        {
            running += bucket.BucketCount;
            bounds.Add(bucket.ExplicitBound);
            cumulative.Add(running);
        }

        return new PrometheusSeries
        {
            Labels = labels,
            BucketBounds = [.. bounds],
            CumulativeCounts = [.. cumulative],
            Sum = point.GetHistogramSum(),
            Count = point.GetHistogramCount(),
        };
    }

    private static PrometheusLabel[] Labels(Metric metric, ReadOnlyTagCollection tags, bool dropLe)
    {
        var labels = new List<PrometheusLabel>(tags.Count + 2) { new(ScopeNameLabel, metric.MeterName) };
        if (!string.IsNullOrEmpty(metric.MeterVersion))
        {
            labels.Add(new(ScopeVersionLabel, metric.MeterVersion));
        }

        var attributes = new List<KeyValuePair<string, object?>>(tags.Count);
        foreach (var tag in tags)
        {
            attributes.Add(tag);
        }

        labels.AddRange(SanitizedLabels(attributes, dropLe ? "le" : null));
        return [.. labels];
    }

    /// <summary>
    /// Sanitises attribute keys into label names. Keys that collide after sanitising share one label whose values are
    /// joined with ';' in the ordinal order of the original keys, as the OpenTelemetry specification asks.
    /// </summary>
    internal static IEnumerable<PrometheusLabel> SanitizedLabels(IReadOnlyList<KeyValuePair<string, object?>> attributes, string? droppedName = null)
    {
        var byLabel = new Dictionary<string, List<KeyValuePair<string, string>>>(StringComparer.Ordinal);
        var order = new List<string>();
        foreach (var (key, value) in attributes)
        {
            var name = PrometheusNaming.SanitizeLabelName(key);
            if (name == droppedName)
            {
                continue;
            }

            if (!byLabel.TryGetValue(name, out var values))
            {
                values = [];
                byLabel.Add(name, values);
                order.Add(name);
            }

            values.Add(new(key, FormatAttribute(value)));
        }

        foreach (var name in order)
        {
            var values = byLabel[name];
            if (values.Count == 1)
            {
                yield return new(name, values[0].Value);
                continue;
            }

            values.Sort((a, b) => string.CompareOrdinal(a.Key, b.Key));
            yield return new(name, string.Join(';', values.Select(v => v.Value)));
        }
    }

    private static string FormatAttribute(object? value) => value switch
    {
        null => string.Empty,
        string text => text,
        bool flag => flag ? "true" : "false",
        double number => PrometheusTextWriter.FormatDouble(number),
        float number => PrometheusTextWriter.FormatDouble(number),
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? string.Empty,
    };

    private static List<PrometheusLabel> TargetInfo(Resource? resource)
    {
        if (resource is null)
        {
            return [];
        }

        return [.. SanitizedLabels([.. resource.Attributes.Select(a => new KeyValuePair<string, object?>(a.Key, a.Value))])];
    }
}
