using System.Text;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// OpenTelemetry-to-Prometheus naming, per the OpenTelemetry specification's Prometheus compatibility rules:
/// sanitised names, the unit as a suffix, <c>_total</c> on counters.
/// </summary>
internal static class PrometheusNaming
{
    /// <summary>Names for one metric family.</summary>
    /// <param name="SampleName">The name samples carry in both formats, e.g. <c>ml_predictions_total</c>.</param>
    /// <param name="FamilyName">The OpenMetrics family name (counters without <c>_total</c>).</param>
    /// <param name="Unit">The unit suffix when the name ends with it, for OpenMetrics' <c># UNIT</c>; else empty.</param>
    internal readonly record struct FamilyNames(string SampleName, string FamilyName, string Unit);

    public static FamilyNames ForInstrument(string instrumentName, string? unit, bool isCounter)
    {
        var name = SanitizeMetricName(instrumentName);
        if (isCounter)
        {
            name = TrimSuffix(name, "_total");
        }

        var unitSuffix = UnitSuffix(unit);
        if (unitSuffix.Length > 0 && !name.EndsWith("_" + unitSuffix, StringComparison.Ordinal))
        {
            name = $"{name}_{unitSuffix}";
        }

        return new FamilyNames(isCounter ? name + "_total" : name, name, unitSuffix);
    }

    /// <summary>Any character other than an ASCII letter, digit or ':' becomes '_', runs collapse, no leading digit.</summary>
    public static string SanitizeMetricName(string name) => Sanitize(name, allowColon: true);

    /// <summary>Label names allow only ASCII letters, digits and '_'; runs of anything else become one '_'.</summary>
    public static string SanitizeLabelName(string name) => Sanitize(name, allowColon: false);

    /// <summary>
    /// The Prometheus suffix for a UCUM unit: <c>s</c> → <c>seconds</c>, <c>By</c> → <c>bytes</c>,
    /// <c>By/s</c> → <c>bytes_per_second</c>; annotations in braces and the dimensionless <c>1</c> give nothing.
    /// </summary>
    public static string UnitSuffix(string? unit)
    {
        if (string.IsNullOrWhiteSpace(unit))
        {
            return string.Empty;
        }

        var withoutAnnotations = RemoveAnnotations(unit).Trim();
        if (withoutAnnotations.Length == 0 || withoutAnnotations == "1")
        {
            return string.Empty;
        }

        var slash = withoutAnnotations.IndexOf('/', StringComparison.Ordinal);
        string suffix;
        if (slash < 0)
        {
            suffix = ExpandUnit(withoutAnnotations);
        }
        else
        {
            var numerator = withoutAnnotations[..slash].Trim();
            var denominator = PerUnit(withoutAnnotations[(slash + 1)..].Trim());
            suffix = numerator.Length == 0 || numerator == "1"
                ? $"per_{denominator}"
                : $"{ExpandUnit(numerator)}_per_{denominator}";
        }

        return Sanitize(suffix, allowColon: false).Trim('_');
    }

    private static string ExpandUnit(string unit) => unit switch
    {
        "d" => "days",
        "h" => "hours",
        "min" => "minutes",
        "s" => "seconds",
        "ms" => "milliseconds",
        "us" => "microseconds",
        "ns" => "nanoseconds",
        "By" => "bytes",
        "KiBy" => "kibibytes",
        "MiBy" => "mebibytes",
        "GiBy" => "gibibytes",
        "TiBy" => "tebibytes",
        "KBy" => "kilobytes",
        "MBy" => "megabytes",
        "GBy" => "gigabytes",
        "TBy" => "terabytes",
        "m" => "meters",
        "V" => "volts",
        "A" => "amperes",
        "J" => "joules",
        "W" => "watts",
        "g" => "grams",
        "Cel" => "celsius",
        "Hz" => "hertz",
        "%" => "percent",
        _ => unit,
    };

    private static string PerUnit(string unit) => unit switch
    {
        "s" => "second",
        "m" => "minute",
        "h" => "hour",
        "d" => "day",
        "w" => "week",
        "mo" => "month",
        "y" => "year",
        _ => ExpandUnit(unit),
    };

    private static string RemoveAnnotations(string unit)
    {
        if (!unit.Contains('{', StringComparison.Ordinal))
        {
            return unit;
        }

        var result = new StringBuilder(unit.Length);
        var depth = 0;
        foreach (var c in unit)
        {
            if (c == '{')
            {
                depth++;
            }
            else if (c == '}' && depth > 0)
            {
                depth--;
            }
            else if (depth == 0)
            {
                result.Append(c);
            }
        }

        return result.ToString();
    }

    private static string TrimSuffix(string name, string suffix) =>
        name.EndsWith(suffix, StringComparison.Ordinal) && name.Length > suffix.Length ? name[..^suffix.Length] : name;

    private static string Sanitize(string name, bool allowColon)
    {
        if (name.Length == 0)
        {
            return "_";
        }

        var result = new StringBuilder(name.Length + 1);
        if (char.IsAsciiDigit(name[0]))
        {
            result.Append('_');
        }

        var lastWasReplacement = false;
        foreach (var c in name)
        {
            if (char.IsAsciiLetterOrDigit(c) || c == '_' || (allowColon && c == ':'))
            {
                result.Append(c);
                lastWasReplacement = false;
            }
            else if (!lastWasReplacement)
            {
                result.Append('_');
                lastWasReplacement = true;
            }
        }

        return result.ToString();
    }
}
