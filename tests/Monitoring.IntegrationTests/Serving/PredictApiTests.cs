using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Monitoring.IntegrationTests.Infrastructure;
using Monitoring.Testing;
using Onnx.Export;

namespace Monitoring.IntegrationTests.Serving;

/// <summary><c>POST /predict</c> against real exported models, a real PostgreSQL registry and real ONNX Runtime.</summary>
public sealed class PredictApiTests(PostgresFixture postgres) : IAsyncLifetime
{
    private string _connectionString = "";

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _connectionString = await postgres.CreateMigratedDatabaseAsync("serving");
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    public static TheoryData<string> TabularModels =>
    [
        "skl_logreg_iris_zipmap", "skl_rf_iris_zipmap", "skl_pipeline_titanic_zipmap", "skl_pipeline_titanic_nozipmap",
        "skl_pipeline_lightgbm_zipmap", "xgb_iris_nozipmap", "skl_decisiontree_strlabels_9in", "skl_svc_rbf_cancer_zipmap",
        "skl_oneclass_svm", "skl_linear_regressor", "skl_rf_regressor", "xgb_regressor", "skl_label_encoder",
        "torch_mlp_iris", "ort_logreg_iris_fixed3",
    ];

    [Theory]
    [MemberData(nameof(TabularModels))]
    public async Task Every_real_exported_model_serves_its_recorded_outputs(string model)
    {
        var path = SharedTestData.TabularModel(model);
        await using var predictor = Predictor();
        using var client = await predictor.StartAdminClientAsync();
        var name = model.Replace('_', '-');
        await client.UploadAndPromoteAsync(name, await File.ReadAllBytesAsync(path, Cancellation));

        var inputs = JsonNode.Parse(await File.ReadAllTextAsync(Path.ChangeExtension(path, ".inputs.json"), Cancellation))!.AsObject();
        var expected = JsonNode.Parse(await File.ReadAllTextAsync(Path.ChangeExtension(path, ".outputs.json"), Cancellation))!.AsObject();
        var body = new JsonObject { ["model"] = name, ["instances"] = Instances(inputs) };

        using var response = await client.PostAsync("/predict", Json(body.ToJsonString()), Cancellation);
        var reply = JsonNode.Parse(await response.Content.ReadAsStringAsync(Cancellation))!;

        Assert.True(response.IsSuccessStatusCode, reply.ToJsonString());
        Assert.Equal(name, reply["model"]!.GetValue<string>());
        Assert.Equal(1, reply["model_version"]!.GetValue<int>());
        var predictions = reply["predictions"]!.AsArray();
        Assert.Equal(RowCount(inputs), predictions.Count);
        Assert.All(predictions, p => Assert.Equal(7, Guid.Parse(p!["id"]!.GetValue<string>()).Version));
        AssertMatchesRecordedOutputs(expected, predictions);
    }

    [Fact]
    public async Task Two_models_are_served_side_by_side_and_a_request_names_one()
    {
        await using var predictor = Predictor();
        using var client = await predictor.StartAdminClientAsync();
        await client.UploadAndPromoteAsync("approve", ModelExporter.LogisticRegression([1f, -1f], 0f, ClassLabels.Of("no", "yes")).ToByteArray());
        await client.UploadAndPromoteAsync("price", ModelExporter.LinearRegression(new float[,] { { 2f, 3f } }, [1f]).ToByteArray());

        var approve = await PredictAsync(client, """{"model":"approve","features":{"f0":3,"f1":1}}""");
        var price = await PredictAsync(client, """{"model":"price","instances":[{"f0":1,"f1":1},{"f0":0,"f1":2}]}""");

        Assert.Equal("yes", approve["predictions"]![0]!["label"]!.GetValue<string>());
        Assert.Equal(1 / (1 + Math.Exp(-2)), approve["predictions"]![0]!["probabilities"]!["yes"]!.GetValue<double>(), 1e-5);
        Assert.Equal([6.0, 7.0], price["predictions"]!.AsArray().Select(p => p!["value"]!.GetValue<double>()));
        var unnamed = await client.PostAsync("/predict", Json("""{"features":{"f0":1,"f1":1}}"""), Cancellation);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, unnamed.StatusCode);
    }

    [Fact]
    public async Task A_promotion_reaches_the_predictor_and_replies_switch_version()
    {
        await using var predictor = Predictor();
        using var client = await predictor.StartAdminClientAsync();
        await client.UploadAndPromoteAsync("swap", ModelExporter.LinearRegression(new float[,] { { 1f } }, [0f]).ToByteArray(), schema: """{"features":[{"name":"x","type":"numeric"}]}""");
        Assert.Equal(5.0, (await PredictAsync(client, """{"features":{"x":5}}"""))["predictions"]![0]!["value"]!.GetValue<double>());

        await client.UploadAndPromoteAsync("swap", ModelExporter.LinearRegression(new float[,] { { 10f } }, [0f]).ToByteArray(), schema: """{"features":[{"name":"x","type":"numeric"}]}""", version: 2);

        var swapped = await Eventually.GetAsync(
            async () => await PredictAsync(client, """{"features":{"x":5}}""") is var reply && reply["model_version"]!.GetValue<int>() == 2 ? reply : null,
            TimeSpan.FromSeconds(20),
            "replies from version 2",
            Cancellation);
        Assert.Equal(50.0, swapped["predictions"]![0]!["value"]!.GetValue<double>());
    }

    public static TheoryData<string, string, HttpStatusCode, string> BadRequests => new()
    {
        { "application/json", "{not json", HttpStatusCode.BadRequest, "/problems/malformed-request" },
        { "text/plain", """{"features":{"income":1,"age":2}}""", HttpStatusCode.UnsupportedMediaType, "/problems/unsupported-media-type" },
        { "application/json", "[1,2]", HttpStatusCode.UnprocessableEntity, "/problems/invalid-request" },
        { "application/json", """{"features":{"income":1}}""", HttpStatusCode.UnprocessableEntity, "/problems/invalid-request" },
        { "application/json", """{"features":{"income":1,"age":2,"height":3}}""", HttpStatusCode.UnprocessableEntity, "/problems/invalid-request" },
        { "application/json", """{"features":{"income":1,"income":2}}""", HttpStatusCode.UnprocessableEntity, "/problems/invalid-request" },
        { "application/json", """{"features":{"age":2,"income":1,"age":3}}""", HttpStatusCode.UnprocessableEntity, "/problems/invalid-request" },
        { "application/json", """{"features":{"income":"rich","age":2}}""", HttpStatusCode.UnprocessableEntity, "/problems/invalid-request" },
        { "application/json", """{"features":{"income":"NaN","age":2}}""", HttpStatusCode.UnprocessableEntity, "/problems/invalid-request" },
        { "application/json", """{"features":{"income":1e400,"age":2}}""", HttpStatusCode.UnprocessableEntity, "/problems/invalid-request" },
        { "application/json", """{"features":{"income":true,"age":2}}""", HttpStatusCode.UnprocessableEntity, "/problems/invalid-request" },
        { "application/json", """{"features":{"income":1,"age":2},"instances":[]}""", HttpStatusCode.UnprocessableEntity, "/problems/invalid-request" },
        { "application/json", """{"instances":[]}""", HttpStatusCode.UnprocessableEntity, "/problems/invalid-request" },
        { "application/json", """{"instances":[{"income":1,"age":2}, 7]}""", HttpStatusCode.UnprocessableEntity, "/problems/invalid-request" },
        { "application/json", """{"model":"nobody","features":{"income":1,"age":2}}""", HttpStatusCode.NotFound, "/problems/not-found" },
        { "application/json", """{"model":42,"features":{"income":1,"age":2}}""", HttpStatusCode.UnprocessableEntity, "/problems/invalid-request" },
        { "application/json", """{"features":{"income":1,"age":2},"extra":1}""", HttpStatusCode.UnprocessableEntity, "/problems/invalid-request" },
        { "application/json", "{\"instances\":[" + string.Join(",", Enumerable.Repeat("""{"income":1,"age":2}""", 11)) + "]}", HttpStatusCode.RequestEntityTooLarge, "/problems/too-large" },
        { "application/json", "{\"features\":{\"income\":1,\"age\":2},\"model\":\"" + new string('x', 5000) + "\"}", HttpStatusCode.RequestEntityTooLarge, "/problems/too-large" },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task A_bad_request_gets_its_status_and_problem_type(string mediaType, string body, HttpStatusCode status, string type)
    {
        await using var predictor = Predictor(new Dictionary<string, string?> { ["Predictor:MaxBatchSize"] = "10", ["Predictor:MaxRequestBytes"] = "4096" });
        using var client = await predictor.StartAdminClientAsync();
        await client.UploadAndPromoteAsync("credit", ModelExporter.LogisticRegression([0.1f, 0.2f], 0f, ClassLabels.Of(0, 1)).ToByteArray(), schema: """{"features":[{"name":"income","type":"numeric"},{"name":"age","type":"numeric"}]}""");

        using var response = await client.PostAsync("/predict", new StringContent(body, Encoding.UTF8, mediaType), Cancellation);
        var problem = JsonNode.Parse(await response.Content.ReadAsStringAsync(Cancellation))!;

        Assert.True(status == response.StatusCode, problem.ToJsonString());
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(type, problem["type"]!.GetValue<string>());
        Assert.False(string.IsNullOrEmpty(problem["detail"]?.GetValue<string>()));
    }

    [Fact]
    public async Task Every_served_prediction_is_logged_with_its_id_and_rejected_requests_leave_no_row()
    {
        await using var predictor = Predictor();
        using var client = await predictor.StartAdminClientAsync();
        await client.UploadAndPromoteAsync("logged", ModelExporter.LogisticRegression([0.5f, -0.5f], 0f, ClassLabels.Of("no", "yes")).ToByteArray(), schema: """{"features":[{"name":"a","type":"numeric"},{"name":"b","type":"numeric"}]}""");

        var one = await PredictAsync(client, """{"features":{"a":1,"b":2}}""");
        var batch = await PredictAsync(client, """{"instances":[{"a":1,"b":0},{"a":3,"b":4},{"a":5,"b":6}]}""");
        // Refused whole: a missing feature, a wrong type, bad JSON, and a null this model (no imputer) turns into NaN.
        foreach (var bad in new[] { """{"features":{"a":1}}""", """{"features":{"a":"x","b":2}}""", "{oops", """{"instances":[{"a":1,"b":2},{"a":1,"b":null}]}""" })
        {
            using var refused = await client.PostAsync("/predict", Json(bad), Cancellation);
            Assert.True(refused.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.UnprocessableEntity, $"{bad}: {refused.StatusCode}");
        }

        var replies = one["predictions"]!.AsArray().Concat(batch["predictions"]!.AsArray()).ToDictionary(p => Guid.Parse(p!["id"]!.GetValue<string>()), p => p!["probabilities"]!.ToJsonString());
        var ids = replies.Keys.ToHashSet();
        await using var connection = new Npgsql.NpgsqlConnection(_connectionString);
        await connection.OpenAsync(Cancellation);
        var logged = await Eventually.GetAsync(
            async () =>
            {
                await using var query = new Npgsql.NpgsqlCommand("SELECT id, label, features->>'b', probabilities::text FROM prediction_logs WHERE model_name = 'logged'", connection);
                await using var reader = await query.ExecuteReaderAsync(Cancellation);
                var rows = new List<(Guid Id, string Label, string? B, string Probabilities)>();
                while (await reader.ReadAsync(Cancellation))
                {
                    rows.Add((reader.GetGuid(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2), reader.GetString(3)));
                }

                return rows.Count >= ids.Count ? rows : null;
            },
            TimeSpan.FromSeconds(30),
            "the prediction log rows",
            Cancellation);

        Assert.Equal(ids, logged.Select(r => r.Id).ToHashSet());
        Assert.Equal(4, logged.Count);
        Assert.All(logged, r => Assert.Contains(r.Label, new[] { "no", "yes" }));
        // One text serves both: the logged probabilities are the reply's, byte for byte.
        Assert.All(logged, r => Assert.Equal(replies[r.Id], r.Probabilities));
    }

    [Fact]
    public async Task A_missing_value_for_a_float_feature_is_passed_to_the_model_as_NaN()
    {
        await using var predictor = Predictor();
        using var client = await predictor.StartAdminClientAsync();
        var tree = new TreeEnsembleModel(1, [0f], [new RegressionTree([TreeNode.Split(0, 0.5f, 1, 2, missingGoesLeft: false), TreeNode.Leaf(-1f), TreeNode.Leaf(1f)])]);
        await client.UploadAndPromoteAsync("tree", ModelExporter.GradientBoostedTrees(tree, labels: null).ToByteArray(), schema: """{"features":[{"name":"x","type":"numeric"}]}""");

        var reply = await PredictAsync(client, """{"instances":[{"x":null},{"x":0}]}""");

        Assert.Equal([1.0, -1.0], reply["predictions"]!.AsArray().Select(p => p!["value"]!.GetValue<double>()));
    }

    private PredictorFactory Predictor(Dictionary<string, string?>? settings = null) => ServingSetup.AdminPredictor(_connectionString, settings);

    private static async Task<JsonNode> PredictAsync(HttpClient client, string body)
    {
        using var response = await client.PostAsync("/predict", Json(body), Cancellation);
        var reply = JsonNode.Parse(await response.Content.ReadAsStringAsync(Cancellation))!;
        Assert.True(response.IsSuccessStatusCode, reply.ToJsonString());
        return reply;
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    private static int RowCount(JsonObject inputs) => inputs.First().Value!["shape"]![0]!.GetValue<int>();

    /// <summary>The recorded input tensors as /predict instances: f0…f{F-1} for one [N, F] input, else one feature per input.</summary>
    private static JsonArray Instances(JsonObject inputs)
    {
        var rows = RowCount(inputs);
        var instances = new JsonArray();
        for (var row = 0; row < rows; row++)
        {
            var instance = new JsonObject();
            foreach (var (name, tensor) in inputs)
            {
                var data = tensor!["data"]!.AsArray();
                var width = data.Count / rows;
                if (inputs.Count == 1 && width > 1)
                {
                    for (var f = 0; f < width; f++)
                    {
                        instance[$"f{f}"] = data[(row * width) + f]!.DeepClone();
                    }
                }
                else
                {
                    instance[name] = data[row]!.DeepClone();
                }
            }

            instances.Add(instance);
        }

        return instances;
    }

    private static string Text(JsonNode node) => node.GetValueKind() == System.Text.Json.JsonValueKind.String ? node.GetValue<string>() : node.ToJsonString();

    /// <summary>Labels exactly, probabilities and values within 1e-4; every row must have been compared at least once.</summary>
    private static void AssertMatchesRecordedOutputs(JsonObject expected, JsonArray predictions)
    {
        var compared = 0;
        foreach (var (output, recorded) in expected)
        {
            if (recorded is JsonArray zipMap)
            {
                for (var row = 0; row < predictions.Count; row++)
                {
                    var probabilities = predictions[row]!["probabilities"]!.AsObject();
                    foreach (var (label, probability) in zipMap[row]!.AsObject())
                    {
                        Assert.Equal(probability!.GetValue<double>(), probabilities[label]!.GetValue<double>(), 1e-4);
                    }

                    compared++;
                }

                continue;
            }

            var dtype = recorded!["dtype"]!.GetValue<string>();
            var data = recorded["data"]!.AsArray();
            var width = data.Count / predictions.Count;
            for (var row = 0; row < predictions.Count; row++)
            {
                var prediction = predictions[row]!;
                if (dtype is "string" or "int64" && prediction["label"] is { } label)
                {
                    Assert.Equal(Text(data[row * width]!), label.GetValue<string>());
                    compared++;
                }
                else if (prediction["probabilities"] is JsonObject probabilities && dtype == "float32")
                {
                    for (var c = 0; c < width; c++)
                    {
                        Assert.Equal(data[(row * width) + c]!.GetValue<double>(), probabilities[c.ToString(CultureInfo.InvariantCulture)]!.GetValue<double>(), 1e-4);
                    }

                    compared++;
                }
                else if (prediction["value"] is { } value && output != "label")
                {
                    var values = prediction["values"]?.AsArray().Select(v => v!.GetValue<double>()).ToArray() ?? [value.GetValue<double>()];
                    for (var c = 0; c < width; c++)
                    {
                        Assert.Equal(data[(row * width) + c]!.GetValue<double>(), values[c], 1e-4);
                    }

                    compared++;
                }
            }
        }

        Assert.True(compared >= predictions.Count, $"Only {compared} comparisons for {predictions.Count} rows.");
    }
}
