using System.Globalization;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// The exposition format a scrape asked for. Prometheus sends an <c>Accept</c> header listing OpenMetrics first,
/// text 0.0.4 second; anything we cannot serve falls back to text 0.0.4.
/// </summary>
internal readonly record struct ScrapeFormat(bool IsOpenMetrics, string Version)
{
    private const string OpenMetricsMediaType = "application/openmetrics-text";
    private const string TextMediaType = "text/plain";

    public static readonly ScrapeFormat PrometheusText = new(false, "0.0.4");
    public static readonly ScrapeFormat OpenMetrics = new(true, "1.0.0");

    public string ContentType => IsOpenMetrics
        ? $"{OpenMetricsMediaType}; version={Version}; charset=utf-8"
        : $"{TextMediaType}; version={Version}; charset=utf-8";

    /// <summary>Picks the supported format with the highest quality; on a tie, the one listed first.</summary>
    public static ScrapeFormat Negotiate(StringValues acceptHeaders)
    {
        if (!MediaTypeHeaderValue.TryParseList(acceptHeaders, out var accepted) || accepted.Count == 0)
        {
            return PrometheusText;
        }

        ScrapeFormat? best = null;
        var bestQuality = 0.0;
        foreach (var mediaType in accepted)
        {
            var quality = mediaType.Quality ?? 1.0;
            if (quality <= bestQuality || Supported(mediaType) is not { } format)
            {
                continue;
            }

            best = format;
            bestQuality = quality;
        }

        return best ?? PrometheusText;
    }

    private static ScrapeFormat? Supported(MediaTypeHeaderValue mediaType)
    {
        var version = VersionOf(mediaType);
        if (mediaType.MediaType.Equals(OpenMetricsMediaType, StringComparison.OrdinalIgnoreCase))
        {
            return version switch
            {
                null or "1.0.0" => OpenMetrics,
                "0.0.1" => OpenMetrics with { Version = "0.0.1" },
                _ => null,
            };
        }

        if (mediaType.MediaType.Equals(TextMediaType, StringComparison.OrdinalIgnoreCase))
        {
            return version is null or "0.0.4" ? PrometheusText : null;
        }

        // */* and text/* accept our default.
        return mediaType.MatchesAllTypes || (mediaType.MatchesAllSubTypes && mediaType.Type.Equals("text", StringComparison.OrdinalIgnoreCase))
            ? PrometheusText
            : null;
    }

    private static string? VersionOf(MediaTypeHeaderValue mediaType)
    {
        foreach (var parameter in mediaType.Parameters)
        {
            if (parameter.Name.Equals("version", StringComparison.OrdinalIgnoreCase))
            {
                return HeaderUtilities.RemoveQuotes(parameter.Value).ToString().Trim().ToLower(CultureInfo.InvariantCulture);
            }
        }

        return null;
    }
}
