using System.Globalization;
using System.Text.Json;

namespace AppHost.Resources;

/// <summary>An instant query's answer: <c>scalar</c>, <c>vector</c>, <c>matrix</c> or <c>string</c>, flattened to samples.</summary>
public sealed record PrometheusQueryResult(string ResultType, IReadOnlyList<PrometheusSample> Samples, IReadOnlyList<string> Warnings)
{
    /// <summary>The value of a scalar, or of a vector with exactly one sample.</summary>
    public double SingleValue => Samples.Count == 1
        ? Samples[0].Value
        : throw new InvalidOperationException($"Expected one sample, the {ResultType} result has {Samples.Count}.");
}

/// <summary>One value at one time; a matrix gives one sample per point, each with its series' labels.</summary>
public sealed record PrometheusSample(IReadOnlyDictionary<string, string> Labels, DateTimeOffset Timestamp, double Value, string RawValue);

/// <summary>An active scrape target as <c>/api/v1/targets</c> reports it.</summary>
public sealed record PrometheusTarget(
    string ScrapePool,
    string ScrapeUrl,
    string Health,
    string LastError,
    DateTimeOffset? LastScrape,
    IReadOnlyDictionary<string, string> Labels)
{
    public bool IsUp => Health == "up";

    public string Job => Labels.TryGetValue("job", out var job) ? job : ScrapePool;

    public override string ToString() => $"{Job} {ScrapeUrl} {Health}{(LastError.Length == 0 ? "" : $" ({LastError})")}";
}

/// <summary>Prometheus answered a query with <c>"status": "error"</c> (bad PromQL, timeout, …).</summary>
public sealed class PrometheusQueryException(string query, string errorType, string error)
    : Exception($"Prometheus rejected '{query}': {errorType}: {error}")
{
    public string Query { get; } = query;

    public string ErrorType { get; } = errorType;

    public string Error { get; } = error;
}

internal static class PrometheusJson
{
    public static PrometheusQueryResult ParseQueryData(JsonElement data, IReadOnlyList<string> warnings)
    {
        var resultType = data.GetProperty("resultType").GetString()!;
        var result = data.GetProperty("result");
        var samples = new List<PrometheusSample>();
        switch (resultType)
        {
            case "scalar":
            case "string":
                samples.Add(ParsePoint(result, EmptyLabels));
                break;
            case "vector":
                foreach (var series in result.EnumerateArray())
                {
                    samples.Add(ParsePoint(series.GetProperty("value"), ParseLabels(series.GetProperty("metric"))));
                }

                break;
            case "matrix":
                foreach (var series in result.EnumerateArray())
                {
                    var labels = ParseLabels(series.GetProperty("metric"));
                    samples.AddRange(series.GetProperty("values").EnumerateArray().Select(point => ParsePoint(point, labels)));
                }

                break;
            default:
                throw new NotSupportedException($"Unknown Prometheus result type '{resultType}'.");
        }

        return new PrometheusQueryResult(resultType, samples, warnings);
    }

    public static PrometheusTarget ParseTarget(JsonElement target) => new(
        target.GetProperty("scrapePool").GetString() ?? "",
        target.GetProperty("scrapeUrl").GetString() ?? "",
        target.GetProperty("health").GetString() ?? "",
        target.TryGetProperty("lastError", out var lastError) ? lastError.GetString() ?? "" : "",
        target.TryGetProperty("lastScrape", out var lastScrape) && DateTimeOffset.TryParse(lastScrape.GetString(), CultureInfo.InvariantCulture, out var scraped) && scraped.Year > 1
            ? scraped
            : null,
        ParseLabels(target.GetProperty("labels")));

    public static IReadOnlyList<string> ParseWarnings(JsonElement root) =>
        root.TryGetProperty("warnings", out var warnings) ? [.. warnings.EnumerateArray().Select(w => w.GetString() ?? "")] : [];

    private static readonly IReadOnlyDictionary<string, string> EmptyLabels = new Dictionary<string, string>();

    private static Dictionary<string, string> ParseLabels(JsonElement labels) =>
        labels.EnumerateObject().ToDictionary(label => label.Name, label => label.Value.GetString() ?? "", StringComparer.Ordinal);

    // A point is [unix seconds as a number, value as a string].
    private static PrometheusSample ParsePoint(JsonElement point, IReadOnlyDictionary<string, string> labels)
    {
        var seconds = point[0].GetDouble();
        var raw = point[1].GetString() ?? "";
        return new PrometheusSample(labels, DateTimeOffset.FromUnixTimeMilliseconds((long)Math.Round(seconds * 1000)), ParseValue(raw), raw);
    }

    private static double ParseValue(string raw) => raw switch
    {
        "+Inf" or "Inf" => double.PositiveInfinity,
        "-Inf" => double.NegativeInfinity,
        "NaN" => double.NaN,
        _ => double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) ? value : double.NaN,
    };
}
