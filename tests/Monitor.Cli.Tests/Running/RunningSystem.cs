using System.Net.Http.Headers;
using System.Net.Http.Json;
using AppHost.Resources;
using Monitoring.DemoData;
using Monitoring.IntegrationTests.Infrastructure;
using Monitoring.Testing;

namespace Monitor.Cli.Tests.Running;

/// <summary>
/// The whole system as real processes on a database of its own: the training worker bootstraps the credit-risk demo
/// model, the predictor serves it and answers traffic, the drift service has evaluated it, Prometheus scrapes the
/// three services every second, and an Alertmanager holds no alert.
/// </summary>
public sealed class RunningSystem(PostgresFixture postgres) : IAsyncLifetime
{
    public const string AdminKey = "monitor-admin-key";
    public const string Model = "credit-risk";

    private ServiceProcess? _predictor;
    private ServiceProcess? _drift;
    private ServiceProcess? _training;
    private PrometheusServer? _prometheus;
    private AlertmanagerServer? _alertmanager;

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    public string Database { get; private set; } = "";

    internal ServiceProcess Predictor => _predictor ?? throw NotStarted();

    internal ServiceProcess Drift => _drift ?? throw NotStarted();

    internal ServiceProcess Training => _training ?? throw NotStarted();

    public PrometheusServer Prometheus => _prometheus ?? throw NotStarted();

    public AlertmanagerServer Alertmanager => _alertmanager ?? throw NotStarted();

    public async ValueTask InitializeAsync()
    {
        Database = await postgres.CreateDatabaseAsync($"monitor_{Guid.NewGuid():N}"[..30], Cancellation);

        // The predictor applies the schema the others wait for.
        _predictor = StartPredictor(Database);
        await WaitUntilReadyAsync(_predictor);

        _training = ServiceProcess.Start("Training.Worker", new Dictionary<string, string?>
        {
            ["ConnectionStrings__modeldb"] = Database,
            ["Training__AdminApiKey"] = AdminKey,
            ["Training__PollInterval"] = "00:00:00.200",
            ["Training__Bootstrap__0__Name"] = Model,
            ["Training__Bootstrap__0__Dataset"] = "credit-risk",
            ["Training__Bootstrap__0__Rows"] = "2000",
            ["Training__Bootstrap__0__Algorithm"] = "logistic_regression",
        });
        _drift = ServiceProcess.Start("Drift.Service", new Dictionary<string, string?>
        {
            ["ConnectionStrings__modeldb"] = Database,
            ["Drift__AdminApiKey"] = AdminKey,
        });
        _alertmanager = new AlertmanagerServer(new AlertmanagerServerOptions { Name = "alertmanager-monitor-test" });
        await _alertmanager.StartAsync(Cancellation);
        _prometheus = new PrometheusServer(new PrometheusServerOptions
        {
            Name = "prometheus-monitor-test",
            ScrapeInterval = TimeSpan.FromSeconds(1),
            EvaluationInterval = TimeSpan.FromSeconds(1),
            ScrapeJobs =
            [
                new PrometheusScrapeJob("predictor", [$"127.0.0.1:{_predictor.Port}"]),
                new PrometheusScrapeJob("drift", [$"127.0.0.1:{_drift.Port}"]),
                new PrometheusScrapeJob("training", [$"127.0.0.1:{_training.Port}"]),
            ],
        });
        await _prometheus.StartAsync(Cancellation);
        await Task.WhenAll(WaitUntilReadyAsync(_training), WaitUntilReadyAsync(_drift));
        foreach (var client in new[] { _predictor.Client, _drift.Client, _training.Client })
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminKey);
        }

        await WaitUntilServedAsync(_predictor);
        await _prometheus.WaitForTargetsUpAsync(["predictor", "drift", "training"], TimeSpan.FromSeconds(60), Cancellation);

        // increase() needs the counter seen before it grows: one batch, scraped, then another, scraped.
        await PredictAsync(_predictor, rows: 20, seed: 1);
        await Eventually.GetAsync(async () => (await _prometheus.QueryAsync($"ml_predictions_total{{model=\"{Model}\"}}", Cancellation)).Samples.Count > 0 ? "scraped" : null, TimeSpan.FromSeconds(60), "the first predictions to be scraped", Cancellation);
        await PredictAsync(_predictor, rows: 60, seed: 2);
        await Eventually.GetAsync(async () => (await _prometheus.QueryAsync($"sum(increase(ml_predictions_total{{model=\"{Model}\"}}[1h])) > 0", Cancellation)).Samples.Count > 0 ? "counted" : null, TimeSpan.FromSeconds(60), "the last hour's predictions in Prometheus", Cancellation);

        using var evaluated = await _drift.Client.PostAsync($"/drift/evaluate?model={Model}&window=1h", null, Cancellation);
        Assert.True(evaluated.IsSuccessStatusCode, await evaluated.Content.ReadAsStringAsync(Cancellation));
    }

    /// <summary>A predictor on <paramref name="database"/> that picks up promotions within a second.</summary>
    internal static ServiceProcess StartPredictor(string database) => ServiceProcess.Start("Predictor.Api", new Dictionary<string, string?>
    {
        ["ConnectionStrings__modeldb"] = database,
        ["Predictor__AdminApiKey"] = AdminKey,
        ["Predictor__ChampionPollInterval"] = "00:00:01",
        ["PredictionLogging__SpillDirectory"] = Directory.CreateTempSubdirectory("monitor-test-spill-").FullName,
    });

    internal static async Task WaitUntilReadyAsync(ServiceProcess service)
    {
        await service.WaitUntilAliveAsync(Cancellation);
        await Eventually.GetAsync(async () => (await service.Client.GetAsync("/health", Cancellation)).IsSuccessStatusCode ? "ready" : null, TimeSpan.FromSeconds(60), "/health to answer 200", Cancellation);
    }

    /// <summary>Waits until the predictor serves the bootstrapped model (the worker trains and promotes it first).</summary>
    internal static Task WaitUntilServedAsync(ServiceProcess predictor) => Eventually.GetAsync(
        async () => (await predictor.Client.GetAsync($"/v2/models/{Model}/ready", Cancellation)).IsSuccessStatusCode ? "served" : null,
        TimeSpan.FromSeconds(180),
        $"{Model} to be trained, promoted and served",
        Cancellation);

    /// <summary>The snapshot's arguments for this system, with <paramref name="predictor"/> in place of its own when given.</summary>
    public List<string> SnapshotArguments(Uri? predictor = null, Uri? prometheus = null, Uri? alertmanager = null) =>
    [
        "snapshot",
        "--predictor", (predictor ?? Predictor.Client.BaseAddress!).ToString(),
        "--drift", Drift.Client.BaseAddress!.ToString(),
        "--training", Training.Client.BaseAddress!.ToString(),
        "--prometheus", (prometheus ?? Prometheus.BaseAddress).ToString(),
        "--alertmanager", (alertmanager ?? Alertmanager.BaseAddress).ToString(),
        "--timeout", "15",
    ];

    public async ValueTask DisposeAsync()
    {
        foreach (var service in new[] { _predictor, _drift, _training })
        {
            if (service is not null)
            {
                await service.DisposeAsync();
            }
        }

        if (_prometheus is not null)
        {
            await _prometheus.DisposeAsync();
        }

        if (_alertmanager is not null)
        {
            await _alertmanager.DisposeAsync();
        }
    }

    private static async Task PredictAsync(ServiceProcess predictor, int rows, int seed)
    {
        var instances = DemoDatasets.Stream(SyntheticDataset.CreditRisk, seed).Take(rows).Select(row => row.ToDictionary()).ToList();
        using var reply = await predictor.Client.PostAsJsonAsync("/predict", new { model = Model, instances }, Cancellation);
        Assert.True(reply.IsSuccessStatusCode, await reply.Content.ReadAsStringAsync(Cancellation));
    }

    private static InvalidOperationException NotStarted() => new($"{nameof(RunningSystem)} is not started.");
}

/// <summary>One running system for every test class that needs it; those classes run one after another.</summary>
[CollectionDefinition(Name)]
public sealed class RunningSystemCollection : ICollectionFixture<RunningSystem>
{
    public const string Name = "running system";
}
