using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Monitoring.Data.Profiles;
using Monitoring.IntegrationTests.Infrastructure;
using Monitoring.Testing;
using Npgsql;
using Onnx.Export;

namespace Monitoring.IntegrationTests.Drift;

/// <summary>
/// The predictor and the drift service as real processes over one PostgreSQL: live traffic with two shifted
/// features, feedback sent the moment the predictions come back (before the predictor has logged them), evaluations
/// that find exactly those two features, one retraining job however many evaluations agree, and the drift service's
/// catalog metrics on its <c>/metrics</c>.
/// </summary>
public sealed class DriftServiceEndToEndTests(PostgresFixture postgres)
{
    private const string Model = "approve";
    private static readonly string[] s_features = ["f0", "f1", "f2", "f3"];

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    private static double[] Normal(Random random, int count, double shift) =>
        [.. Enumerable.Range(0, count).Select(_ => shift + (Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble())))];

    [Fact]
    public async Task Shifted_features_are_found_from_live_traffic_and_one_retrain_is_queued_across_evaluations()
    {
        var database = await postgres.CreateMigratedDatabaseAsync("drifte2e");
        var random = new Random(21);
        var profile = new ReferenceProfile { Rows = 5000, Features = [.. s_features.Select(f => ReferenceProfileBuilder.Numeric(f, Normal(random, 5000, 0)))] };

        await using var predictor = ServiceProcess.Start("Predictor.Api", new Dictionary<string, string?>
        {
            ["ConnectionStrings__modeldb"] = database,
            ["Predictor__AdminApiKey"] = ServingSetup.AdminKey,
            ["Predictor__ChampionPollInterval"] = "00:00:01",
            ["PredictionLogging__SpillDirectory"] = Directory.CreateTempSubdirectory("drift-e2e-spill-").FullName,
        });
        await predictor.WaitUntilAliveAsync(Cancellation);
        var predict = predictor.Client;
        predict.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ServingSetup.AdminKey);
        await Eventually.GetAsync(async () => (await predict.GetAsync("/health", Cancellation)).IsSuccessStatusCode ? "ready" : null, TimeSpan.FromSeconds(60), "the predictor to be ready", Cancellation);
        await predict.UploadAsync(Model, ModelExporter.LogisticRegression([1f, -1f, 0.5f, 0f], 0f, ClassLabels.Of("no", "yes")).ToByteArray());
        await SetProfileAsync(database, profile);
        await predict.PromoteAsync(Model, 1);

        await using var drift = ServiceProcess.Start("Drift.Service", new Dictionary<string, string?>
        {
            ["ConnectionStrings__modeldb"] = database,
            ["Drift__AdminApiKey"] = ServingSetup.AdminKey,
            ["Drift__EvaluationInterval"] = "1.00:00:00",
            ["Drift__ConsecutiveDriftEvaluations"] = "2",
            ["Drift__PendingFeedbackRetryInterval"] = "00:00:00.200",
        });
        await drift.WaitUntilAliveAsync(Cancellation);
        var monitor = drift.Client;
        monitor.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ServingSetup.AdminKey);

        // 600 predictions; f1 and f3 moved by 1.5 standard deviations. Feedback at once: 4 in 5 answers agree.
        var live = s_features.ToDictionary(f => f, f => Normal(random, 600, f is "f1" or "f3" ? 1.5 : 0));
        var answered = 0;
        for (var batch = 0; batch < 3; batch++)
        {
            var instances = Enumerable.Range(batch * 200, 200).Select(i => s_features.ToDictionary(f => f, f => live[f][i])).ToList();
            using var response = await predict.PostAsJsonAsync("/predict", new { model = Model, instances }, Cancellation);
            Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync(Cancellation));
            var predictions = (await response.Content.ReadFromJsonAsync<JsonElement>(Cancellation)).GetProperty("predictions").EnumerateArray().ToList();
            var items = predictions.Select(p =>
            {
                var label = p.GetProperty("label").GetString()!;
                var agree = answered++ % 5 != 0;
                return new { prediction_id = p.GetProperty("id").GetGuid(), actual = agree ? label : (label == "yes" ? "no" : "yes") };
            }).ToList();
            using var feedback = await monitor.PostAsJsonAsync("/feedback", new { items }, Cancellation);
            Assert.Equal(HttpStatusCode.OK, feedback.StatusCode);
        }

        // Whatever came before its log row was held and stored once the row arrived.
        await Eventually.GetAsync(async () => await ScalarAsync(database, "select count(*) from feedback") == 600 ? "stored" : null, TimeSpan.FromSeconds(60), "all 600 feedback items to be stored", Cancellation);

        var reports = new List<JsonElement>();
        for (var i = 0; i < 3; i++)
        {
            using var response = await monitor.PostAsync($"/drift/evaluate?model={Model}&window=1h", null, Cancellation);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            reports.Add(await response.Content.ReadFromJsonAsync<JsonElement>(Cancellation));
        }

        foreach (var report in reports)
        {
            Assert.Equal(600, report.GetProperty("samples").GetInt64());
            var drifted = report.GetProperty("drift").GetProperty("features").EnumerateArray()
                .Where(f => f.GetProperty("drift").GetBoolean()).Select(f => f.GetProperty("feature").GetString()).Order();
            Assert.Equal(["f1", "f3"], drifted);
            Assert.Equal(0.8, report.GetProperty("performance").GetProperty("accuracy").GetDouble(), 12);
        }

        Assert.Equal(1, await ScalarAsync(database, $"select count(*) from training_jobs where model_name = '{Model}' and trigger = 'drift'"));

        // The online detectors, fed directly: right 300 times, then wrong.
        for (var i = 0; i < 600; i++)
        {
            using var update = await monitor.PostAsJsonAsync("/drift/update", new { model = Model, prediction = "yes", actual = i < 300 ? "yes" : "no" }, Cancellation);
            Assert.Equal(HttpStatusCode.OK, update.StatusCode);
        }

        var metrics = await Eventually.GetAsync(
            async () =>
            {
                var text = await monitor.GetStringAsync("/metrics", Cancellation);
                return text.Contains("ml_drift_events_total{", StringComparison.Ordinal) ? text : null;
            },
            TimeSpan.FromSeconds(30),
            "the drift service's metrics",
            Cancellation);
        string[] catalog =
        [
            "ml_drift_score", "ml_drift_pvalue", "ml_drift_detected", "ml_drift_features", "ml_drift_share", "ml_drift_events_total",
            "ml_concept_drift_state", "ml_model_accuracy", "ml_model_precision", "ml_model_recall", "ml_model_f1_score", "ml_model_roc_auc",
            "ml_feedback_total", "ml_data_quality_score", "ml_data_completeness", "ml_data_outliers",
            "ml_drift_evaluation_duration_seconds_bucket", "ml_drift_window_samples",
        ];
        Assert.All(catalog, family => Assert.Contains(family + "{", metrics, StringComparison.Ordinal));
        Assert.Equal(1, Sample(metrics, "ml_drift_detected", "feature=\"f1\""));
        Assert.Equal(0, Sample(metrics, "ml_drift_detected", "feature=\"f0\""));
        Assert.Equal(2, Sample(metrics, "ml_drift_features", $"model=\"{Model}\""));
        Assert.Equal(600, Sample(metrics, "ml_feedback_total", "outcome=\"matched\""));
        Assert.Equal(0.8, Sample(metrics, "ml_model_accuracy", $"model=\"{Model}\""), 12);
    }

    private static async Task SetProfileAsync(string connectionString, ReferenceProfile profile)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(Cancellation);
        await using var command = new NpgsqlCommand(
            "update model_versions set reference_profile = $1::jsonb where version = 1 and model_id = (select id from models where name = $2)", connection)
        {
            Parameters = { new() { Value = profile.ToJson() }, new() { Value = Model } },
        };
        Assert.Equal(1, await command.ExecuteNonQueryAsync(Cancellation));
    }

    private static async Task<long> ScalarAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(Cancellation);
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync(Cancellation), CultureInfo.InvariantCulture);
    }

    /// <summary>The value of the one sample of <paramref name="family"/> whose labels contain <paramref name="label"/>.</summary>
    private static double Sample(string exposition, string family, string label)
    {
        var line = exposition.Split('\n').Single(l => l.StartsWith(family + "{", StringComparison.Ordinal) && l.Contains(label, StringComparison.Ordinal));
        return double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture);
    }
}
