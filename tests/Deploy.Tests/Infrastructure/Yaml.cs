using System.Text.Json.Nodes;

namespace Deploy.Tests.Infrastructure;

/// <summary>
/// YAML read as JSON nodes through python3 and PyYAML (safe_load: plain data, merge keys resolved): no YAML package
/// is in reach for .NET here. Tests that read YAML skip when python3 or PyYAML (Debian python3-yaml) is missing.
/// </summary>
public static class Yaml
{
    private const string Converter =
        "import sys, json, yaml\n" +
        "json.dump(list(yaml.safe_load_all(sys.stdin)), sys.stdout, default=str)\n";

    private static readonly Lazy<Task<string?>> Python = new(FindPythonWithYamlAsync);

    /// <summary>The documents of the YAML file.</summary>
    public static async Task<IReadOnlyList<JsonNode?>> LoadAllAsync(string path, CancellationToken cancellationToken = default) =>
        await ParseAllAsync(await File.ReadAllTextAsync(path, cancellationToken), cancellationToken);

    /// <summary>The single document of the YAML file, as an object.</summary>
    public static async Task<JsonObject> LoadAsync(string path, CancellationToken cancellationToken = default)
    {
        var documents = await LoadAllAsync(path, cancellationToken);
        Assert.True(documents.Count == 1, $"{path}: expected one YAML document, found {documents.Count}.");
        return documents[0] as JsonObject ?? throw new InvalidDataException($"{path}: the document is not a mapping.");
    }

    public static async Task<IReadOnlyList<JsonNode?>> ParseAllAsync(string yaml, CancellationToken cancellationToken = default)
    {
        var python = await Python.Value;
        Assert.SkipWhen(python is null, "python3 with PyYAML is not installed (apt-get install -y python3-yaml); reading YAML needs it.");
        var result = await ExternalTool.RunAsync(python!, ["-c", Converter], yaml, cancellationToken: cancellationToken);
        if (result.ExitCode != 0)
        {
            throw new InvalidDataException($"Not valid YAML: {result.StandardError.Trim()}");
        }

        return JsonNode.Parse(result.StandardOutput)!.AsArray().ToList();
    }

    private static async Task<string?> FindPythonWithYamlAsync()
    {
        var python = AppHost.Resources.Executables.FindOnPath("python3");
        if (python is null)
        {
            return null;
        }

        var probe = await ExternalTool.RunAsync(python, ["-c", "import yaml"]);
        return probe.ExitCode == 0 ? python : null;
    }
}
