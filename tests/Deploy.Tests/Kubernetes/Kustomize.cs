using System.Text.Json.Nodes;
using Deploy.Tests.Infrastructure;

namespace Deploy.Tests.Kubernetes;

/// <summary>An overlay rendered offline with <c>kubectl kustomize</c>, as objects.</summary>
public sealed class RenderedObjects(IReadOnlyList<JsonObject> objects)
{
    public IReadOnlyList<JsonObject> All { get; } = objects;

    public IEnumerable<JsonObject> OfKind(string kind) => All.Where(o => (string?)o["kind"] == kind);

    public JsonObject Single(string kind, string name) =>
        OfKind(kind).SingleOrDefault(o => Name(o) == name) ?? throw new InvalidOperationException($"No {kind} {name} rendered.");

    public static string Name(JsonNode o) => (string)o["metadata"]!["name"]!;

    public static IReadOnlyDictionary<string, string> Labels(JsonNode? o) =>
        o?["metadata"]?["labels"] is JsonObject labels
            ? labels.ToDictionary(pair => pair.Key, pair => pair.Value?.ToString() ?? "", StringComparer.Ordinal)
            : new Dictionary<string, string>(StringComparer.Ordinal);
}

public static class Kustomize
{
    public static string Overlay(string name) => Path.Combine(DeployPaths.Kubernetes, "overlays", name);

    public static async Task<RenderedObjects> RenderAsync(string directory, CancellationToken cancellationToken = default)
    {
        var kubectl = ExternalTool.Require("kubectl", "kubernetes-client");
        var result = await ExternalTool.RunAsync(kubectl, ["kustomize", directory], cancellationToken: cancellationToken);
        Assert.True(result.ExitCode == 0, $"kubectl kustomize {directory} failed: {result.Output}");
        var documents = await Yaml.ParseAllAsync(result.StandardOutput, cancellationToken);
        return new RenderedObjects([.. documents.OfType<JsonObject>()]);
    }
}
