using System.Net;
using System.Text;
using Monitoring.Data.Profiles;
using Monitoring.IntegrationTests.Infrastructure;
using Monitoring.Testing;
using Npgsql;
using Onnx.Export;

namespace Monitoring.IntegrationTests.Serving;

/// <summary>
/// The per-request out-of-distribution check against the champion's reference profile, the streaming feature
/// histograms it feeds, and the catalog's predictor metrics, through the real service, database and ONNX Runtime.
/// </summary>
public sealed class DriftCheckTests(PostgresFixture postgres) : IAsyncLifetime
{
    private string _connectionString = "";

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => _connectionString = await postgres.CreateMigratedDatabaseAsync("driftcheck");

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    /// <summary>f0 and f1 uniform on 0..1 in training.</summary>
    private static ReferenceProfile Profile() => new()
    {
        Rows = 1000,
        Features =
        [
            ReferenceProfileBuilder.Numeric("f0", [.. Enumerable.Range(0, 1000).Select(i => i / 999.0)]),
            ReferenceProfileBuilder.Numeric("f1", [.. Enumerable.Range(0, 1000).Select(i => (i * 7 % 1000) / 999.0)]),
        ],
        Outputs = [ReferenceProfileBuilder.Categorical(ReferenceProfile.LabelOutput, [.. Enumerable.Range(0, 1000).Select(i => i % 2 == 0 ? "yes" : "no")])],
    };

    /// <summary>A two-feature tree classifier that sends missing values down a branch, so null is a valid input.</summary>
    private static byte[] TreeModel() => ModelExporter.GradientBoostedTrees(
        new TreeEnsembleModel(2, [0f], [new RegressionTree([TreeNode.Split(0, 0.5f, 1, 2), TreeNode.Leaf(-1f), TreeNode.Leaf(1f)])]),
        ClassLabels.Of("no", "yes")).ToByteArray();

    [Fact]
    public async Task Out_of_range_features_are_counted_per_feature_marked_in_the_log_and_binned_per_minute()
    {
        await using (var predictor = await StartPredictorProcessAsync())
        {
            var client = predictor.Client;
            await client.UploadAsync("approve", TreeModel());
            await SetProfileAsync("approve", 1, Profile());
            await client.PromoteAsync("approve", 1);

            await PredictAsync(client, """{"instances":[{"f0":0.5,"f1":0.5},{"f0":7,"f1":0.5},{"f0":0.2,"f1":-3},{"f0":null,"f1":0.1}]}""");

            var metrics = await client.GetStringAsync("/metrics", Cancellation);
            Assert.Equal(2, Sample(metrics, "ml_requests_drifted_total", "model=\"approve\""));
            Assert.Equal(1, Sample(metrics, "ml_feature_out_of_range_total", "feature=\"f0\""));
            Assert.Equal(1, Sample(metrics, "ml_feature_missing_total", "feature=\"f0\""));
            Assert.Equal(1, Sample(metrics, "ml_feature_out_of_range_total", "feature=\"f1\""));
        }

        // The predictor stopped (SIGTERM): its histograms were flushed, the current minute included.
        Assert.Equal(4, await ScalarAsync("select count(*) from prediction_logs"));
        Assert.Equal(2, await ScalarAsync("select count(*) from prediction_logs where drifted"));
        Assert.Equal(3, await ScalarAsync("select sum(c) from feature_bin_counts, unnest(counts) c where feature = 'f0'"));
        Assert.Equal(1, await ScalarAsync("select sum(missing) from feature_bin_counts where feature = 'f0'"));
        Assert.Equal(1, await ScalarAsync("select sum(out_of_range) from feature_bin_counts where feature = 'f1'"));
        Assert.Equal(4, await ScalarAsync($"select sum(c) from feature_bin_counts, unnest(counts) c where feature = '{ReferenceProfile.LabelOutput}'"));
    }

    /// <summary>
    /// The real service in its own process, ready and with an admin client: in-process hosts share the process-wide
    /// meters, and one host's disposal ends the metric streams another host's instruments share.
    /// </summary>
    private async Task<ServiceProcess> StartPredictorProcessAsync()
    {
        var predictor = ServiceProcess.Start("Predictor.Api", new Dictionary<string, string?>
        {
            ["ConnectionStrings__modeldb"] = _connectionString,
            ["Predictor__AdminApiKey"] = ServingSetup.AdminKey,
            ["PredictionLogging__SpillDirectory"] = Directory.CreateTempSubdirectory("predictor-spill-").FullName,
        });
        await predictor.WaitUntilAliveAsync(Cancellation);
        predictor.Client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", ServingSetup.AdminKey);
        await Eventually.GetAsync(
            async () => (await predictor.Client.GetAsync("/health", Cancellation)).IsSuccessStatusCode ? predictor : null,
            TimeSpan.FromSeconds(60),
            "the predictor to be ready",
            Cancellation);
        return predictor;
    }

    [Fact]
    public async Task Metrics_show_every_predictor_instrument_of_the_catalog_after_traffic()
    {
        await using var predictor = await StartPredictorProcessAsync();
        var client = predictor.Client;
        await client.UploadAsync("approve", TreeModel());
        await SetProfileAsync("approve", 1, Profile());
        await client.PromoteAsync("approve", 1);
        await client.UploadAndPromoteAsync("price", ModelExporter.LinearRegression(new float[,] { { 2f, 3f } }, [1f]).ToByteArray());

        await PredictAsync(client, """{"model":"approve","instances":[{"f0":0.5,"f1":0.5},{"f0":9,"f1":null}]}""");
        await PredictAsync(client, """{"model":"price","features":{"f0":1,"f1":2}}""");
        using var refused = await client.PostAsync("/predict", new StringContent("""{"model":"nope","features":{}}""", Encoding.UTF8, "application/json"), Cancellation);
        Assert.Equal(HttpStatusCode.NotFound, refused.StatusCode);

        string[] catalog =
        [
            "ml_predictions_total", "ml_prediction_duration_seconds_bucket", "ml_prediction_confidence_bucket", "ml_prediction_value_bucket",
            "ml_prediction_errors_total", "ml_requests_drifted_total", "ml_feature_out_of_range_total", "ml_feature_missing_total",
            "ml_model_loaded", "ml_model_info", "ml_model_size_bytes", "ml_prediction_log_queue", "ml_prediction_log_rows_total",
            "http_server_request_duration_seconds_bucket", "http_server_active_requests",
        ];
        var metrics = await Eventually.GetAsync(
            async () =>
            {
                var exposition = await client.GetStringAsync("/metrics", Cancellation);
                return exposition.Contains("outcome=\"written\"", StringComparison.Ordinal) ? exposition : null;
            },
            TimeSpan.FromSeconds(30),
            "logged rows to be written",
            Cancellation);

        Assert.All(catalog, name => Assert.Contains("\n" + name + "{", metrics));
    }

    [Fact]
    public async Task A_reference_CSV_uploaded_with_the_model_becomes_its_profile_with_outputs_and_calibration()
    {
        await using var predictor = ServingSetup.AdminPredictor(_connectionString);
        using var client = await predictor.StartAdminClientAsync();
        var csv = new StringBuilder("f0,f1,outcome\n");
        for (var i = 0; i < 500; i++)
        {
            var f0 = (i % 100) / 99.0;
            csv.Append(System.Globalization.CultureInfo.InvariantCulture, $"{f0},{(i % 7) / 6.0},{(f0 > 0.5 ? "yes" : "no")}\n");
        }

        using (var upload = ServingSetup.ModelUpload(TreeModel()))
        {
            upload.Add(new StringContent(csv.ToString()), "reference", "reference.csv");
            upload.Add(new StringContent("outcome"), "target");
            using var created = await client.PostAsync("/models/approve/versions", upload, Cancellation);
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }

        var stored = ReferenceProfile.FromJson(await ScalarTextAsync("select reference_profile::text from model_versions"))!;
        Assert.Equal(500, stored.Rows);
        Assert.Equal(["f0", "f1"], stored.Features.Select(f => f.Name));
        Assert.Equal(1.0, stored.Find("f0")!.Max, 9);
        Assert.Equal(500, stored.Find(ReferenceProfile.LabelOutput)!.Count);
        Assert.NotNull(stored.Calibration);
        Assert.Equal(500, stored.Calibration!.Counts.Sum());

        // A CSV without a feature's column is refused whole: 422 naming 'reference', no version stored.
        using var bad = ServingSetup.ModelUpload(TreeModel());
        bad.Add(new StringContent("f0,other\n1,2\n"), "reference", "reference.csv");
        using var refused = await client.PostAsync("/models/approve/versions", bad, Cancellation);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.StatusCode);
        Assert.Contains("f1", await refused.Content.ReadAsStringAsync(Cancellation), StringComparison.Ordinal);
        Assert.Equal(1, await ScalarAsync("select count(*) from model_versions"));
    }

    private async Task<string> ScalarTextAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync(Cancellation);
        await using var command = new NpgsqlCommand(sql, connection);
        return (string)(await command.ExecuteScalarAsync(Cancellation))!;
    }

    private async Task SetProfileAsync(string model, int version, ReferenceProfile profile)
    {
        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync(Cancellation);
        await using var command = new NpgsqlCommand(
            "update model_versions set reference_profile = $1::jsonb where version = $2 and model_id = (select id from models where name = $3)", connection)
        {
            Parameters = { new() { Value = profile.ToJson() }, new() { Value = version }, new() { Value = model } },
        };
        Assert.Equal(1, await command.ExecuteNonQueryAsync(Cancellation));
    }

    private async Task<long> ScalarAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync(Cancellation);
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync(Cancellation), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static async Task PredictAsync(HttpClient client, string body)
    {
        using var response = await client.PostAsync("/predict", new StringContent(body, Encoding.UTF8, "application/json"), Cancellation);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync(Cancellation));
    }

    /// <summary>The value of the one sample of <paramref name="family"/> whose labels contain <paramref name="label"/>.</summary>
    private static double Sample(string exposition, string family, string label)
    {
        var line = exposition.Split('\n').Single(l => l.StartsWith(family + "{", StringComparison.Ordinal) && l.Contains(label, StringComparison.Ordinal));
        return double.Parse(line[(line.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture);
    }
}
