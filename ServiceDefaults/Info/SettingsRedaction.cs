using System.Text.Json.Nodes;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Keeps secrets out of anything a service shows about its settings. A setting whose name suggests a secret is
/// replaced by whether it is set; it is never echoed, not even in part.
/// </summary>
public static class SettingsRedaction
{
    public const string Redacted = "(set, hidden)";

    private static readonly string[] s_secretNameParts =
        ["password", "secret", "apikey", "api_key", "key", "token", "connectionstring", "credential", "pwd", "headers"];

    public static bool IsSecretName(string name)
    {
        foreach (var part in s_secretNameParts)
        {
            if (name.Contains(part, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>An endpoint without user information or query string, which can carry credentials.</summary>
    public static string? EndpointWithoutCredentials(string? endpoint)
    {
        if (string.IsNullOrWhiteSpace(endpoint))
        {
            return null;
        }

        return Uri.TryCreate(endpoint, UriKind.Absolute, out var uri)
            ? uri.GetComponents(UriComponents.SchemeAndServer | UriComponents.Path, UriFormat.UriEscaped)
            : "(invalid)";
    }

    internal static JsonNode? Redact(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (name, value) in obj.ToList())
                {
                    if (IsSecretName(name))
                    {
                        obj[name] = IsEmpty(value) ? null : Redacted;
                    }
                    else
                    {
                        Redact(value);
                    }
                }

                break;
            case JsonArray array:
                foreach (var item in array)
                {
                    Redact(item);
                }

                break;
        }

        return node;
    }

    private static bool IsEmpty(JsonNode? value) =>
        value is null || (value is JsonValue scalar && scalar.TryGetValue<string>(out var text) && string.IsNullOrEmpty(text));
}
