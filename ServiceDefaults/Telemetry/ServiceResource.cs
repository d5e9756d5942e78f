using System.Reflection;
using Microsoft.Extensions.Configuration;
using OpenTelemetry.Resources;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Describes this process as an OpenTelemetry resource. <c>OTEL_SERVICE_NAME</c> and <c>OTEL_RESOURCE_ATTRIBUTES</c>
/// win (Aspire and Kubernetes set them); otherwise the application name and the assembly's version stand in.
/// </summary>
internal static class ServiceResource
{
    public static void Configure(ResourceBuilder resource, IHostEnvironment environment)
    {
        // The default builder already holds the environment detectors; adding the service afterwards would override
        // them, so rebuild the chain with the fallback first and the environment variables last.
        resource.Clear()
            .AddService(
                serviceName: environment.ApplicationName,
                serviceVersion: ServiceVersion.Current,
                autoGenerateServiceInstanceId: true)
            .AddTelemetrySdk()
            .AddAttributes([new("deployment.environment.name", environment.EnvironmentName)])
            .AddEnvironmentVariableDetector();
    }

    /// <summary>The effective service name, as the resource will report it.</summary>
    public static string ServiceName(IConfiguration configuration, IHostEnvironment environment)
    {
        var fromEnvironment = configuration["OTEL_SERVICE_NAME"];
        if (!string.IsNullOrWhiteSpace(fromEnvironment))
        {
            return fromEnvironment;
        }

        foreach (var pair in (configuration["OTEL_RESOURCE_ATTRIBUTES"] ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            var separator = pair.IndexOf('=', StringComparison.Ordinal);
            if (separator > 0 && pair.AsSpan(0, separator).Trim().SequenceEqual("service.name"))
            {
                return Uri.UnescapeDataString(pair[(separator + 1)..].Trim());
            }
        }

        return environment.ApplicationName;
    }
}

/// <summary>Version and commit of the running service, from the entry assembly's informational version.</summary>
public static class ServiceVersion
{
    private static readonly string s_informational =
        (Assembly.GetEntryAssembly() ?? typeof(ServiceVersion).Assembly)
            .GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";

    /// <summary>The version with its commit, e.g. <c>0.1.0+3f2a9c1d4e5b</c>.</summary>
    public static string Current => s_informational;

    /// <summary>The commit the build was made from, or <c>null</c> when the build had no git checkout.</summary>
    public static string? Commit
    {
        get
        {
            var plus = s_informational.IndexOf('+', StringComparison.Ordinal);
            return plus < 0 ? null : s_informational[(plus + 1)..];
        }
    }
}
