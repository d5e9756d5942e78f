using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using AppHost.Simulation;
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
    GrafanaOptions Grafana,
    StartupOptions Startup,
    SimulationOptions Simulation,
    string AdminApiKey)
{
    /// <summary><c>--simulate</c> on its own means <c>--Simulate:Enabled true</c>.</summary>
    public const string SimulateFlag = "--simulate";

    public const string SimulationStateFolder = "simulation";

    /// <summary>
    /// Where runtime state lives (<c>--StateDirectory</c>): by default <c>.local/</c>, or <c>.local/simulation/</c> while
    /// simulating, which is emptied at each start so a simulation begins from an empty database and never touches the
    /// normal one.
    /// </summary>
    public string StateRoot { get; init; } = "";

    /// <summary>True when <see cref="StateRoot"/> is the simulation's own folder, which the AppHost may empty.</summary>
    public bool StateRootIsDisposable { get; init; }

    public string StateDirectory(string name) => Path.Combine(StateRoot, name);

    public static AppHostSettings Load(string[] args)
    {
        var configuration = new ConfigurationBuilder()
            .AddEnvironmentVariables()
            .AddCommandLine([.. args.Select(arg => arg == SimulateFlag ? "--Simulate:Enabled=true" : arg)])
            .Build();

        var services = new ServiceCollection();
        AddService(services, configuration, "Predictor", defaultPort: 5100);
        AddService(services, configuration, "Drift", defaultPort: 5200);
        AddService(services, configuration, "Training", defaultPort: 5300);
        services.AddOptions<PostgresOptions>("Postgres").Bind(configuration.GetSection("Postgres")).ValidateDataAnnotations();
        services.AddOptions<PrometheusOptions>("Prometheus").Bind(configuration.GetSection("Prometheus")).ValidateDataAnnotations();
        services.AddOptions<AlertmanagerOptions>("Alertmanager").Bind(configuration.GetSection("Alertmanager")).ValidateDataAnnotations();
        services.AddOptions<GrafanaOptions>("Grafana").Bind(configuration.GetSection("Grafana")).ValidateDataAnnotations();
        services.AddOptions<StartupOptions>("Startup").Bind(configuration.GetSection("Startup")).ValidateDataAnnotations();
        services.AddOptions<SimulationOptions>(SimulationOptions.Section).Bind(configuration.GetSection(SimulationOptions.Section)).ValidateDataAnnotations();
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

        var simulation = provider.GetRequiredService<IOptionsMonitor<SimulationOptions>>().Get(SimulationOptions.Section);
        var givenStateRoot = configuration["StateDirectory"] is { Length: > 0 } given ? Path.GetFullPath(given) : null;
        return new AppHostSettings(
            root,
            buildConfiguration,
            configuration.GetConnectionString("modeldb"),
            provider.GetRequiredService<IOptionsMonitor<PostgresOptions>>().Get("Postgres"),
            projects,
            provider.GetRequiredService<IOptionsMonitor<PrometheusOptions>>().Get("Prometheus"),
            provider.GetRequiredService<IOptionsMonitor<AlertmanagerOptions>>().Get("Alertmanager"),
            provider.GetRequiredService<IOptionsMonitor<GrafanaOptions>>().Get("Grafana"),
            provider.GetRequiredService<IOptionsMonitor<StartupOptions>>().Get("Startup"),
            simulation,
            // One admin key for the three services' admin routes: given (--AdminApiKey), or new for each run.
            configuration["AdminApiKey"] is { Length: > 0 } adminKey ? adminKey : Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16)))
        {
            StateRoot = givenStateRoot ?? (simulation.Enabled
                ? RepositoryLayout.LocalStateDirectory(root, SimulationStateFolder)
                : Path.Combine(root, ".local")),
            StateRootIsDisposable = givenStateRoot is null && simulation.Enabled,
        };
    }

    private static void AddService(IServiceCollection services, IConfiguration configuration, string section, int defaultPort) =>
        services.AddOptions<ServiceOptions>(section)
            .Configure(options => options.Port = defaultPort)
            .Bind(configuration.GetSection(section))
            .ValidateDataAnnotations();
}
