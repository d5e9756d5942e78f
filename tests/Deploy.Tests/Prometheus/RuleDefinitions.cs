using System.Text.Json.Nodes;
using Deploy.Tests.Infrastructure;

namespace Deploy.Tests.Prometheus;

/// <summary>One rule of a Prometheus rule file: an alert or a recording rule.</summary>
public sealed record RuleDefinition(
    string File,
    string Group,
    string? Alert,
    string? Record,
    string Expression,
    IReadOnlyDictionary<string, string> Labels,
    IReadOnlyDictionary<string, string> Annotations)
{
    public bool IsAlert => Alert is not null;

    public string Name => Alert ?? Record ?? "";

    public string? Severity => Labels.GetValueOrDefault("severity");

    public override string ToString() => Severity is null ? $"{Name} ({File})" : $"{Name} [{Severity}] ({File})";
}

/// <summary>The rules of deploy/prometheus/rules/*.yml.</summary>
public static class RuleDefinitions
{
    public static async Task<IReadOnlyList<RuleDefinition>> LoadAsync(CancellationToken cancellationToken = default)
    {
        var rules = new List<RuleDefinition>();
        foreach (var path in DeployPaths.RuleFiles)
        {
            var file = Path.GetFileName(path);
            foreach (var group in (await Yaml.LoadAsync(path, cancellationToken))["groups"]!.AsArray())
            {
                foreach (var rule in group!["rules"]!.AsArray())
                {
                    rules.Add(new RuleDefinition(
                        file,
                        (string)group["name"]!,
                        (string?)rule!["alert"],
                        (string?)rule["record"],
                        (string)rule["expr"]!,
                        Strings(rule["labels"]),
                        Strings(rule["annotations"])));
                }
            }
        }

        return rules;
    }

    /// <summary>The groups of every rule file, by file name (for comparing with the PrometheusRule objects).</summary>
    public static async Task<IReadOnlyDictionary<string, JsonNode>> LoadGroupsAsync(CancellationToken cancellationToken = default)
    {
        var groups = new Dictionary<string, JsonNode>(StringComparer.Ordinal);
        foreach (var path in DeployPaths.RuleFiles)
        {
            groups[Path.GetFileName(path)] = (await Yaml.LoadAsync(path, cancellationToken))["groups"]!;
        }

        return groups;
    }

    public static Dictionary<string, string> Strings(JsonNode? node) =>
        node is JsonObject map
            ? map.ToDictionary(pair => pair.Key, pair => pair.Value?.ToString() ?? "", StringComparer.Ordinal)
            : new Dictionary<string, string>(StringComparer.Ordinal);
}
