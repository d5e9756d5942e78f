using System.Globalization;
using System.Text;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Writes a <see cref="MetricsSnapshot"/> in the Prometheus text format 0.0.4 or in OpenMetrics 1.0 text.
/// </summary>
internal static class PrometheusTextWriter
{
    private const string TargetInfoName = "target_info";

    public static byte[] Write(MetricsSnapshot snapshot, bool openMetrics)
    {
        var text = new StringBuilder(16 * 1024);
        WriteTargetInfo(text, snapshot.TargetInfo, openMetrics);
        foreach (var family in snapshot.Families)
        {
            WriteFamily(text, family, openMetrics);
        }

        if (openMetrics)
        {
            text.Append("# EOF\n");
        }

        return Encoding.UTF8.GetBytes(text.ToString());
    }

    private static void WriteTargetInfo(StringBuilder text, IReadOnlyList<PrometheusLabel> resource, bool openMetrics)
    {
        if (resource.Count == 0)
        {
            return;
        }

        // OpenMetrics names the family "target" with type "info"; its sample is still target_info.
        if (openMetrics)
        {
            text.Append("# TYPE target info\n# HELP target Target metadata\n");
        }
        else
        {
            text.Append("# TYPE target_info gauge\n# HELP target_info Target metadata\n");
        }

        text.Append(TargetInfoName);
        WriteLabels(text, resource, extraName: null, extraValue: null);
        text.Append(" 1\n");
    }

    private static void WriteFamily(StringBuilder text, PrometheusFamily family, bool openMetrics)
    {
        var names = family.Names;
        var metadataName = openMetrics ? names.FamilyName : names.SampleName;
        text.Append("# TYPE ").Append(metadataName).Append(' ').Append(TypeName(family.Type)).Append('\n');
        if (openMetrics && names.Unit.Length > 0)
        {
            text.Append("# UNIT ").Append(metadataName).Append(' ').Append(names.Unit).Append('\n');
        }

        text.Append("# HELP ").Append(metadataName).Append(' ');
        AppendEscaped(text, family.Help, escapeQuotes: openMetrics);
        text.Append('\n');

        foreach (var series in family.Series)
        {
            if (family.Type == PrometheusMetricType.Histogram)
            {
                WriteHistogram(text, names.SampleName, series, openMetrics);
            }
            else
            {
                text.Append(names.SampleName);
                WriteLabels(text, series.Labels, extraName: null, extraValue: null);
                text.Append(' ');
                AppendValue(text, series);
                text.Append('\n');
            }
        }
    }

    private static void WriteHistogram(StringBuilder text, string name, PrometheusSeries series, bool openMetrics)
    {
        for (var i = 0; i < series.BucketBounds.Length; i++)
        {
            text.Append(name).Append("_bucket");
            WriteLabels(text, series.Labels, "le", FormatBound(series.BucketBounds[i], openMetrics));
            text.Append(' ').Append(series.CumulativeCounts[i].ToString(CultureInfo.InvariantCulture)).Append('\n');
        }

        // OpenMetrics forbids _sum on histograms with negative buckets, where it could decrease.
        var hasNegativeBound = series.BucketBounds.Length > 0 && series.BucketBounds[0] < 0;
        if (!(openMetrics && hasNegativeBound))
        {
            text.Append(name).Append("_sum");
            WriteLabels(text, series.Labels, extraName: null, extraValue: null);
            text.Append(' ').Append(FormatDouble(series.Sum)).Append('\n');
            text.Append(name).Append("_count");
            WriteLabels(text, series.Labels, extraName: null, extraValue: null);
            text.Append(' ').Append(series.Count.ToString(CultureInfo.InvariantCulture)).Append('\n');
        }
    }

    private static void WriteLabels(StringBuilder text, IReadOnlyList<PrometheusLabel> labels, string? extraName, string? extraValue)
    {
        if (labels.Count == 0 && extraName is null)
        {
            return;
        }

        text.Append('{');
        var first = true;
        foreach (var label in labels)
        {
            if (!first)
            {
                text.Append(',');
            }

            first = false;
            AppendLabel(text, label.Name, label.Value);
        }

        if (extraName is not null)
        {
            if (!first)
            {
                text.Append(',');
            }

            AppendLabel(text, extraName, extraValue!);
        }

        text.Append('}');
    }

    private static void AppendLabel(StringBuilder text, string name, string value)
    {
        text.Append(name).Append("=\"");
        AppendEscaped(text, value, escapeQuotes: true);
        text.Append('"');
    }

    /// <summary>Label values escape backslash, double quote and newline; help text the same, quotes only in OpenMetrics.</summary>
    internal static void AppendEscaped(StringBuilder text, string value, bool escapeQuotes)
    {
        foreach (var c in value)
        {
            switch (c)
            {
                case '\\':
                    text.Append("\\\\");
                    break;
                case '\n':
                    text.Append("\\n");
                    break;
                case '"' when escapeQuotes:
                    text.Append("\\\"");
                    break;
                default:
                    text.Append(c);
                    break;
            }
        }
    }

    private static void AppendValue(StringBuilder text, PrometheusSeries series)
    {
        if (series.LongValue is { } integer)
        {
            text.Append(integer.ToString(CultureInfo.InvariantCulture));
        }
        else
        {
            text.Append(FormatDouble(series.Value));
        }
    }

    private static string TypeName(PrometheusMetricType type) => type switch
    {
        PrometheusMetricType.Counter => "counter",
        PrometheusMetricType.Gauge => "gauge",
        PrometheusMetricType.Histogram => "histogram",
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, null),
    };

    /// <summary>Shortest round-trip form; infinities and NaN as Prometheus spells them.</summary>
    internal static string FormatDouble(double value) => value switch
    {
        double.PositiveInfinity => "+Inf",
        double.NegativeInfinity => "-Inf",
        _ when double.IsNaN(value) => "NaN",
        _ => value.ToString("R", CultureInfo.InvariantCulture),
    };

    /// <summary>
    /// Bucket bounds: as they come in the Prometheus text format (<c>5</c>), canonical in OpenMetrics (<c>5.0</c>),
    /// where a bound must be written the same way at every scrape.
    /// </summary>
    internal static string FormatBound(double bound, bool openMetrics)
    {
        var formatted = FormatDouble(bound);
        if (openMetrics && double.IsFinite(bound) && formatted.AsSpan().IndexOfAny('.', 'E', 'e') < 0)
        {
            return formatted + ".0";
        }

        return formatted;
    }
}
