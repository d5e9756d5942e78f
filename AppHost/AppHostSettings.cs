using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AppHost;

/// <summary>Everything the AppHost was told, bound from the environment and the command line, and validated.</summary>
internal sealed record AppHostSettings(
    string RepositoryRoot,
    string BuildConfiguration,
    string? ExternalConnectionString,
    PostgresOptions Postgres,
    IReadOnlyList<ServiceProject> Services,
    PrometheusOptions Prometheus,
    AlertmanagerOptions Alertmanager,
    StartupOptions Startup,
    string AdminApiKey)
{
    public static AppHostSettings Load(string[] args)
    {
        var configuration = new ConfigurationBuilder()
            .AddEnvironmentVariables()
            .AddCommandLine(args)
            .Build();

        var services = new ServiceCollection();
        AddService(services, configuration, "Predictor", defaultPort: 5100);
        AddService(services, configuration, "Drift", defaultPort: 5200);
        AddService(services, configuration, "Training", defaultPort: 5300);
        services.AddOptions<PostgresOptions>("Postgres").Bind(configuration.GetSection("Postgres")).ValidateDataAnnotations();
        services.AddOptions<PrometheusOptions>("Prometheus").Bind(configuration.GetSection("Prometheus")).ValidateDataAnnotations();
        services.AddOptions<AlertmanagerOptions>("Alertmanager").Bind(configuration.GetSection("Alertmanager")).ValidateDataAnnotations();
        services.AddOptions<StartupOptions>("Startup").Bind(configuration.GetSection("Startup")).ValidateDataAnnotations();
        using var provider = services.BuildServiceProvider();

        var serviceOptions = provider.GetRequiredService<IOptionsMonitor<ServiceOptions>>();
        var root = RepositoryLayout.FindRoot();
        var buildConfiguration = RepositoryLayout.BuildConfiguration;
        ServiceProject[] projects =
        [
            ServiceProject.Create("predictor", "Predictor.Api", serviceOptions.Get("Predictor"), root, buildConfiguration),
            ServiceProject.Create("drift", "Drift.Service", serviceOptions.Get("Drift"), root, buildConfiguration),
            ServiceProject.Create("training", "Training.Worker", serviceOptions.Get("Training"), root, buildConfiguration),
        ];

        var duplicatePort = projects.GroupBy(project => project.Port).FirstOrDefault(group => group.Count() > 1);
        if (duplicatePort is not null)
        {
            throw new OptionsValidationException("Services", typeof(ServiceOptions), [$"{string.Join(" and ", duplicatePort.Select(p => p.Name))} are both given port {duplicatePort.Key}."]);
        }

        return new AppHostSettings(
            root,
            buildConfiguration,
            configuration.GetConnectionString("modeldb"),
            provider.GetRequiredService<IOptionsMonitor<PostgresOptions>>().Get("Postgres"),
            projects,
            provider.GetRequiredService<IOptionsMonitor<PrometheusOptions>>().Get("Prometheus"),
            provider.GetRequiredService<IOptionsMonitor<AlertmanagerOptions>>().Get("Alertmanager"),
            provider.GetRequiredService<IOptionsMonitor<StartupOptions>>().Get("Startup"),
            // One admin key for the three services' admin routes: given (--AdminApiKey), or new for each run.
            configuration["AdminApiKey"] is { Length: > 0 } adminKey ? adminKey : Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16)));
    }

    private static void AddService(IServiceCollection services, IConfiguration configuration, string section, int defaultPort) =>
        services.AddOptions<ServiceOptions>(section)
            .Configure(options => options.Port = defaultPort)
            .Bind(configuration.GetSection(section))
            .ValidateDataAnnotations();
}
