namespace AppHost.Resources;

/// <summary>
/// A local Grafana with the provisioning of <c>deploy/grafana</c>: the same datasources (pointed at the local
/// Prometheus and Alertmanager) and the same dashboard files, read in place. Anonymous viewers are let in; the
/// admin login is Grafana's default.
/// </summary>
public sealed class GrafanaServer : LocalServer
{
    /// <summary>Hosts in deploy/grafana/provisioning/datasources (the compose and Kubernetes service names).</summary>
    internal const string DeployedPrometheusUrl = "http://prometheus:9090";
    internal const string DeployedAlertmanagerUrl = "http://alertmanager:9093";

    /// <summary>The dashboards folder deploy/grafana/provisioning/dashboards names (the container's mount).</summary>
    internal const string DeployedDashboardsPath = "/var/lib/grafana/dashboards";

    private readonly GrafanaServerOptions _options;
    private readonly HttpClient _http;

    public GrafanaServer(GrafanaServerOptions options)
        : base(options.Name, options.DataDirectory, "grafana-")
    {
        _options = options;
        Port = options.Port == 0 ? FreePort.Next() : options.Port;
        BaseAddress = new Uri($"http://127.0.0.1:{Port}/");
        _http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(10) };
    }

    public int Port { get; }

    public Uri BaseAddress { get; }

    /// <summary><c>grafana</c> (Grafana 10 and later: <c>grafana server</c>) or the older <c>grafana-server</c> on PATH.</summary>
    public static (string Binary, bool Subcommand)? FindBinary() =>
        Executables.FindOnPath("grafana") is { } grafana ? (grafana, true)
        : Executables.FindOnPath("grafana-server") is { } server ? (server, false)
        : null;

    /// <summary>Grafana's home (the folder holding <c>conf/defaults.ini</c>): GRAFANA_HOME, the Debian and tarball layouts.</summary>
    public static string? FindHome(string binary)
    {
        var binaryFolder = Path.GetDirectoryName(Path.GetFullPath(binary)) ?? "";
        string?[] candidates =
        [
            Environment.GetEnvironmentVariable("GRAFANA_HOME"),
            "/usr/share/grafana",
            Path.Combine(binaryFolder, ".."),
            Path.Combine(binaryFolder, "..", "share", "grafana"),
        ];
        return candidates.Where(c => c is not null).Select(c => Path.GetFullPath(c!)).FirstOrDefault(c => File.Exists(Path.Combine(c, "conf", "defaults.ini")));
    }

    /// <summary>The deployed provisioning files rewritten for this machine, keyed by their path under <c>provisioning/</c>.</summary>
    public static IReadOnlyDictionary<string, string> LocalProvisioning(string deployedProvisioning, Uri prometheus, Uri? alertmanager, string dashboards)
    {
        var files = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var file in Directory.GetFiles(deployedProvisioning, "*.yml", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var text = File.ReadAllText(file)
                .Replace(DeployedPrometheusUrl, prometheus.ToString().TrimEnd('/'), StringComparison.Ordinal)
                .Replace(DeployedDashboardsPath, dashboards, StringComparison.Ordinal);
            if (alertmanager is not null)
            {
                text = text.Replace(DeployedAlertmanagerUrl, alertmanager.ToString().TrimEnd('/'), StringComparison.Ordinal);
            }

            files[Path.GetRelativePath(deployedProvisioning, file)] = text;
        }

        return files;
    }

    protected override TimeSpan StopGracePeriod => TimeSpan.FromSeconds(15);

    protected override async Task StartCoreAsync(CancellationToken cancellationToken)
    {
        var (binary, subcommand) = FindBinary() ?? throw new ResourceNotInstalledException(Name, "grafana", "grafana", "PATH");
        var home = FindHome(binary)
            ?? throw new ResourceStartException(Name, $"found {binary} but not its home folder (conf/defaults.ini); set GRAFANA_HOME", []);
        if (!FreePort.IsAvailable(Port))
        {
            throw new ResourceStartException(Name, $"port {Port} is already in use; pick another with --Grafana:Port <port>", []);
        }

        var provisioning = Path.Combine(DataDirectory, "provisioning");
        if (Directory.Exists(provisioning))
        {
            Directory.Delete(provisioning, recursive: true);
        }

        foreach (var (relativePath, text) in LocalProvisioning(_options.DeployedProvisioning, _options.Prometheus, _options.Alertmanager, _options.Dashboards))
        {
            var path = Path.Combine(provisioning, relativePath);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            await File.WriteAllTextAsync(path, text, cancellationToken);
        }

        await StartProcessAsync(
            new ManagedProcessOptions
            {
                Name = Name,
                FileName = binary,
                Arguments = subcommand ? ["server", $"--homepath={home}"] : [$"--homepath={home}"],
                WorkingDirectory = DataDirectory,
                Environment = new Dictionary<string, string?>(StringComparer.Ordinal)
                {
                    ["GF_PATHS_DATA"] = Path.Combine(DataDirectory, "data"),
                    ["GF_PATHS_LOGS"] = Path.Combine(DataDirectory, "logs"),
                    ["GF_PATHS_PLUGINS"] = Path.Combine(DataDirectory, "plugins"),
                    ["GF_PATHS_PROVISIONING"] = provisioning,
                    ["GF_SERVER_HTTP_ADDR"] = "127.0.0.1",
                    ["GF_SERVER_HTTP_PORT"] = Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    ["GF_AUTH_ANONYMOUS_ENABLED"] = "true",
                    ["GF_AUTH_ANONYMOUS_ORG_ROLE"] = "Viewer",
                    ["GF_ANALYTICS_REPORTING_ENABLED"] = "false",
                    ["GF_ANALYTICS_CHECK_FOR_UPDATES"] = "false",
                    ["GF_LOG_MODE"] = "console",
                },
                OutputLine = _options.OutputLine,
            },
            (process, token) => HttpReadiness.WaitForOkAsync(process, _http, "api/health", _options.StartupTimeout, token),
            cancellationToken);
    }

    protected override void DisposeResources() => _http.Dispose();
}

public sealed record GrafanaServerOptions
{
    public string Name { get; init; } = "grafana";

    /// <summary>Loopback port; 0 picks a free one.</summary>
    public int Port { get; init; }

    /// <summary>Folder for Grafana's database, logs and the generated provisioning; null: a temp folder deleted on dispose.</summary>
    public string? DataDirectory { get; init; }

    /// <summary>deploy/grafana/provisioning.</summary>
    public required string DeployedProvisioning { get; init; }

    /// <summary>deploy/grafana/dashboards, read in place.</summary>
    public required string Dashboards { get; init; }

    public required Uri Prometheus { get; init; }

    public Uri? Alertmanager { get; init; }

    public TimeSpan StartupTimeout { get; init; } = TimeSpan.FromSeconds(60);

    public Action<OutputLine>? OutputLine { get; init; }
}
