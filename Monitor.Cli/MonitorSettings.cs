using System.Text.Json;
using System.Text.Json.Serialization;
using MonitorCli.Snapshot;

namespace MonitorCli;

/// <summary>Where to look and how long to wait; built only from validated options.</summary>
internal sealed record MonitorSettings(MonitorEndpoints Endpoints, TimeSpan Timeout)
{
    public const double MaxTimeoutSeconds = 300;
    public const double MaxIntervalSeconds = 3600;

    /// <summary>Null when <paramref name="text"/> is an absolute http(s) URL, else what is wrong with it.</summary>
    public static string? CheckUrl(string option, string? text) =>
        Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
            ? null
            : $"{option} needs an absolute http(s) URL such as http://localhost:5100 (was '{text}').";

    /// <summary>Null when <paramref name="seconds"/> is in [<paramref name="min"/>, <paramref name="max"/>], else what is wrong with it.</summary>
    public static string? CheckSeconds(string option, double seconds, double min, double max) =>
        double.IsFinite(seconds) && seconds >= min && seconds <= max
            ? null
            : $"{option} is a number of seconds from {min} to {max} (was {seconds}).";
}

internal static class MonitorJson
{
    /// <summary>snake_case like the services' own replies; enums as lower-case words.</summary>
    public static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };
}
