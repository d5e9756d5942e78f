using System.Text.RegularExpressions;

namespace Deploy.Tests.Catalog;

/// <summary>
/// The Prometheus names in docs/metrics.md: the Prometheus column of its tables (rows that say "etc." add their
/// instruments' names), and the names given in the prose of its "Everywhere" section. Histograms also allow their
/// <c>_bucket</c>, <c>_sum</c> and <c>_count</c> series. Prometheus's own <c>up</c> and <c>ALERTS</c> and the node
/// exporter's <c>node_*</c> are always known.
/// </summary>
public sealed partial class MetricCatalog
{
    private static readonly string[] HistogramSuffixes = ["_bucket", "_sum", "_count"];
    private static readonly HashSet<string> Standard = new(StringComparer.Ordinal) { "up", "ALERTS", "ALERTS_FOR_STATE" };

    private MetricCatalog(IReadOnlySet<string> names, IReadOnlySet<string> histograms)
    {
        Names = names;
        Histograms = histograms;
    }

    public IReadOnlySet<string> Names { get; }

    public IReadOnlySet<string> Histograms { get; }

    public static async Task<MetricCatalog> LoadAsync(CancellationToken cancellationToken = default) =>
        Parse(await File.ReadAllTextAsync(Infrastructure.DeployPaths.MetricCatalog, cancellationToken));

    public static MetricCatalog Parse(string markdown)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        var histograms = new HashSet<string>(StringComparer.Ordinal);
        var everywhere = false;
        foreach (var line in markdown.Split('\n'))
        {
            if (line.StartsWith("## ", StringComparison.Ordinal))
            {
                everywhere = line.Contains("Everywhere", StringComparison.Ordinal);
                continue;
            }

            if (line.StartsWith('|'))
            {
                var cells = line.Trim().Trim('|').Split('|');
                if (cells.Length < 2)
                {
                    continue;
                }

                var instrument = cells[0];
                var rowNames = Quoted(cells[1]).Where(IsMetricName).ToList();
                if (cells[1].Contains("etc.", StringComparison.Ordinal) || cells[1].Contains('…'))
                {
                    rowNames.AddRange(Quoted(instrument).Where(token => token.StartsWith("ml.", StringComparison.Ordinal)).Select(token => token.Replace('.', '_')));
                }

                names.UnionWith(rowNames);
                if (instrument.Contains("histogram", StringComparison.Ordinal) || Quoted(instrument).Any(token => token.EndsWith(".duration", StringComparison.Ordinal)))
                {
                    histograms.UnionWith(rowNames);
                }
            }
            else if (everywhere)
            {
                names.UnionWith(Quoted(line).Where(token => token.Contains('_') && IsMetricName(token)));
            }
        }

        return new MetricCatalog(names, histograms);
    }

    public bool Knows(string name) =>
        Names.Contains(name)
        || Standard.Contains(name)
        || name.StartsWith("node_", StringComparison.Ordinal)
        || HistogramSuffixes.Any(suffix => name.EndsWith(suffix, StringComparison.Ordinal) && Histograms.Contains(name[..^suffix.Length]));

    /// <summary>
    /// The names <paramref name="expression"/> reads that the catalog does not know, after replacing each
    /// recording-rule name by the names its expression reads (<paramref name="recordingRules"/>: record → expr).
    /// A recording rule that is not defined is unknown too.
    /// </summary>
    public IReadOnlySet<string> UnknownNames(string expression, IReadOnlyDictionary<string, string> recordingRules)
    {
        var unknown = new HashSet<string>(StringComparer.Ordinal);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<string>(PromQl.MetricNames(expression));
        while (pending.TryPop(out var name))
        {
            if (!seen.Add(name))
            {
                continue;
            }

            if (recordingRules.TryGetValue(name, out var recorded))
            {
                foreach (var inner in PromQl.MetricNames(recorded))
                {
                    pending.Push(inner);
                }
            }
            else if (!Knows(name))
            {
                unknown.Add(name);
            }
        }

        return unknown;
    }

    private static IEnumerable<string> Quoted(string text) => Backticked().Matches(text).Select(match => match.Groups[1].Value);

    private static bool IsMetricName(string token) => MetricName().IsMatch(token);

    [GeneratedRegex("`([^`]+)`")]
    private static partial Regex Backticked();

    [GeneratedRegex("^[a-zA-Z_][a-zA-Z0-9_]*$")]
    private static partial Regex MetricName();
}
