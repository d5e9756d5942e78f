using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using AppHost.Resources;
using Microsoft.EntityFrameworkCore;
using Monitoring.Data.Profiles;
using Monitoring.Data.Registry;
using Monitoring.IntegrationTests.Infrastructure;
using Monitoring.Testing;

namespace Monitoring.IntegrationTests.Dashboards;

/// <summary>
/// Grafana cannot run here, so its dashboards are proven another way: the three real services run as processes
/// (the worker trains the two demo models, the predictor serves them, the drift service evaluates them) under
/// traffic with feedback, node exporter runs beside them, a real Prometheus scrapes them all with the deploy/ rules
/// loaded, and every panel query of deploy/grafana/dashboards (variables filled in) must return data.
/// </summary>
public sealed class DashboardDataTests(PostgresFixture postgres)
{
    private const string AdminKey = "dashboard-admin-key";

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Every_dashboard_panel_query_returns_data_from_prometheus_scraping_the_running_services()
    {
        var nodeExporterPath = Executables.FindOnPath("prometheus-node-exporter") ?? Executables.FindOnPath("node_exporter");
        Assert.SkipWhen(nodeExporterPath is null, "prometheus-node-exporter is not installed (apt-get install -y prometheus-node-exporter); test.sh installs it.");
        var database = await postgres.CreateMigratedDatabaseAsync("dashboards");
        var spill = Directory.CreateTempSubdirectory("dashboards-spill-").FullName;

        await using var training = ServiceProcess.Start("Training.Worker", new Dictionary<string, string?>
        {
            ["ConnectionStrings__modeldb"] = database,
            ["Training__AdminApiKey"] = AdminKey,
            ["Training__PollInterval"] = "00:00:00.200",
            ["Training__Bootstrap__0__Name"] = "credit-risk",
            ["Training__Bootstrap__0__Dataset"] = "credit-risk",
            ["Training__Bootstrap__0__Rows"] = "3000",
            ["Training__Bootstrap__0__Algorithm"] = "logistic_regression",
            ["Training__Bootstrap__1__Name"] = "house-prices",
            ["Training__Bootstrap__1__Dataset"] = "house-prices",
            ["Training__Bootstrap__1__Rows"] = "3000",
            ["Training__Bootstrap__1__Algorithm"] = "linear_regression",
            // Online updates still step (their panels need data) but never make a candidate: a promoted online copy would
            // be the champion the drift service evaluates next, with no feedback of its own, and its panels would empty.
            ["Training__Online__UpdatesPerCandidate"] = "10000000",
        });
        await using var predictor = ServiceProcess.Start("Predictor.Api", new Dictionary<string, string?>
        {
            ["ConnectionStrings__modeldb"] = database,
            ["Predictor__AdminApiKey"] = AdminKey,
            ["Predictor__ChampionPollInterval"] = "00:00:01",
            ["PredictionLogging__SpillDirectory"] = spill,
            ["FeatureHistograms__FlushInterval"] = "00:00:01",
        });
        await using var drift = ServiceProcess.Start("Drift.Service", new Dictionary<string, string?>
        {
            ["ConnectionStrings__modeldb"] = database,
            ["Drift__AdminApiKey"] = AdminKey,
            ["Drift__EvaluationInterval"] = "00:00:02",
        });
        var nodePort = FreePort.Next();
        await using var nodeExporter = ManagedProcess.Start(new ManagedProcessOptions
        {
            Name = "node-exporter",
            FileName = nodeExporterPath!,
            Arguments = [$"--web.listen-address=127.0.0.1:{nodePort}"],
        });
        await Task.WhenAll(training.WaitUntilAliveAsync(Cancellation), predictor.WaitUntilAliveAsync(Cancellation), drift.WaitUntilAliveAsync(Cancellation));

        await using var prometheus = new PrometheusServer(new PrometheusServerOptions
        {
            Name = "prometheus-dashboards",
            ScrapeInterval = TimeSpan.FromSeconds(1),
            EvaluationInterval = TimeSpan.FromSeconds(1),
            RuleFiles = [.. Directory.GetFiles(RepositoryPaths.InRepository("deploy", "prometheus", "rules"), "*.yml")],
            ScrapeJobs =
            [
                new PrometheusScrapeJob("predictor", [$"127.0.0.1:{predictor.Port}"]),
                new PrometheusScrapeJob("drift", [$"127.0.0.1:{drift.Port}"]),
                new PrometheusScrapeJob("training", [$"127.0.0.1:{training.Port}"]),
                new PrometheusScrapeJob("node", [$"127.0.0.1:{nodePort}"]),
            ],
        });
        await prometheus.StartAsync(Cancellation);

        foreach (var client in new[] { predictor.Client, drift.Client, training.Client })
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminKey);
        }

        // The worker trains both demo models; the predictor serves them once promoted.
        var profiles = await Eventually.GetAsync(
            async () =>
            {
                await using var db = ModelDatabase.Open(database);
                var champions = await db.ModelVersions.AsNoTracking().Where(v => v.Stage == ModelStage.Champion)
                    .Select(v => new { v.Model!.Name, v.FeatureSchema, v.ReferenceProfile }).ToListAsync(Cancellation);
                return champions.Count == 2 ? champions.ToDictionary(c => c.Name, c => (Schema: Parse(c.FeatureSchema), Profile: ReferenceProfile.FromJson(c.ReferenceProfile)!)) : null;
            },
            TimeSpan.FromSeconds(120),
            "both demo models to be trained and promoted",
            Cancellation);
        await Eventually.GetAsync(
            async () => (await predictor.Client.GetAsync("/v2/models/credit-risk/ready", Cancellation)).IsSuccessStatusCode
                && (await predictor.Client.GetAsync("/v2/models/house-prices/ready", Cancellation)).IsSuccessStatusCode ? predictor : null,
            TimeSpan.FromSeconds(60),
            "the predictor to serve both models",
            Cancellation);

        // Traffic for a while: rates need several scrapes; some rows out of range, a few refused requests.
        var random = new Random(5);
        var ids = new List<(string Model, Guid Id, string Actual)>();
        var until = DateTime.UtcNow.AddSeconds(25);
        while (DateTime.UtcNow < until)
        {
            foreach (var (model, (schema, profile)) in profiles)
            {
                var instances = new JsonArray();
                for (var i = 0; i < 20; i++)
                {
                    instances.Add(Row(random, schema, profile, outOfRange: i == 0, missing: i == 1));
                }

                using var response = await predictor.Client.PostAsync("/predict", Json(new JsonObject { ["model"] = model, ["instances"] = instances }), Cancellation);
                Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync(Cancellation));
                var reply = JsonNode.Parse(await response.Content.ReadAsStringAsync(Cancellation))!;
                foreach (var prediction in reply["predictions"]!.AsArray())
                {
                    // Concept drift half way: the model is right 90% of the time, then 30%, so the detectors fire.
                    var rightShare = DateTime.UtcNow < until.AddSeconds(-12) ? 0.9 : 0.3;
                    var actual = prediction!["label"] is { } label
                        ? (random.NextDouble() < rightShare ? label.GetValue<string>() : profile.Find(ReferenceProfile.LabelOutput)!.Categories.First(c => c != label.GetValue<string>()))
                        : (prediction["value"]!.GetValue<double>() * (0.9 + (0.2 * random.NextDouble()))).ToString(CultureInfo.InvariantCulture);
                    ids.Add((model, Guid.Parse(prediction["id"]!.GetValue<string>()), actual));
                }
            }

            using var refused = await predictor.Client.PostAsync("/predict", Json(new JsonObject { ["model"] = "credit-risk", ["features"] = new JsonObject() }), Cancellation);
            await Task.Delay(200, Cancellation);
        }

        // Feedback once every served row is logged, so the evaluation below finds all of it stored (feedback for a row
        // not logged yet is only held and matched later, after the evaluation on a loaded machine).
        await Eventually.GetAsync(
            async () =>
            {
                await using var db = ModelDatabase.Open(database);
                return await db.PredictionLogs.CountAsync(Cancellation) >= ids.Count ? ids : null;
            },
            TimeSpan.FromSeconds(60),
            $"the {ids.Count} served predictions to be logged",
            Cancellation);
        foreach (var chunk in ids.Chunk(500))
        {
            var items = new JsonArray([.. chunk.Select(i => (JsonNode)new JsonObject
            {
                ["prediction_id"] = i.Id.ToString(),
                ["actual"] = i.Model == "house-prices" ? JsonValue.Create(double.Parse(i.Actual, CultureInfo.InvariantCulture)) : JsonValue.Create(i.Actual),
            })]);
            using var feedback = await drift.Client.PostAsync("/feedback", Json(new JsonObject { ["items"] = items }), Cancellation);
            Assert.True(feedback.IsSuccessStatusCode, await feedback.Content.ReadAsStringAsync(Cancellation));
        }

        foreach (var model in profiles.Keys)
        {
            using var evaluated = await drift.Client.PostAsync($"/drift/evaluate?model={model}&window=1h", null, Cancellation);
            Assert.True(evaluated.IsSuccessStatusCode, await evaluated.Content.ReadAsStringAsync(Cancellation));
        }

        var queries = DashboardQueries.Load();
        Assert.NotEmpty(queries);
        // Rates and recording rules need a few scrapes and evaluations after the last traffic.
        var missing = new List<string>();
        var deadline = DateTime.UtcNow.AddSeconds(90);
        do
        {
            missing.Clear();
            foreach (var query in queries)
            {
                var result = await prometheus.QueryAsync(query.Expression, Cancellation);
                // ALERTS is empty while nothing fires; the query itself must still be valid (it was: no exception).
                if (result.Samples.Count == 0 && !query.Expression.Contains("ALERTS", StringComparison.Ordinal))
                {
                    missing.Add($"{query}: {query.Expression}");
                }
            }

            if (missing.Count > 0)
            {
                await Task.Delay(2000, Cancellation);
            }
        }
        while (missing.Count > 0 && DateTime.UtcNow < deadline);

        Assert.True(missing.Count == 0, $"{missing.Count} of {queries.Count} panel queries returned no data:\n{string.Join("\n", missing)}");
    }

    private static FeatureSchema Parse(string json) => FeatureSchema.TryParse(json, out var schema, out _) ? schema! : throw new InvalidOperationException(json);

    /// <summary>
    /// A row drawn around the reference: numbers near the training mean, categories the training data had; or with
    /// every numeric feature far above its range, or with the features that were missing in training left null.
    /// </summary>
    private static JsonObject Row(Random random, FeatureSchema schema, ReferenceProfile profile, bool outOfRange, bool missing)
    {
        var row = new JsonObject();
        foreach (var feature in schema.Features)
        {
            var reference = profile.Find(feature.Name)!;
            row[feature.Name] = feature.Type == FeatureType.Numeric
                ? (missing && reference.Missing > 0 ? null : JsonValue.Create(outOfRange ? reference.Max + (10 * (reference.StdDev + 1)) : reference.Mean + (reference.StdDev * (random.NextDouble() - 0.5))))
                : JsonValue.Create(reference.Categories[random.Next(reference.Categories.Count)]);
        }

        return row;
    }

    private static StringContent Json(JsonNode body) => new(body.ToJsonString(), Encoding.UTF8, "application/json");
}
