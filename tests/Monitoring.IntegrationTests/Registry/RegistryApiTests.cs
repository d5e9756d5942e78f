using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Monitoring.IntegrationTests.Infrastructure;
using Monitoring.Testing;
using Npgsql;
using Onnx.Export;

namespace Monitoring.IntegrationTests.Registry;

/// <summary>The model registry routes against a real PostgreSQL and real ONNX Runtime.</summary>
public sealed class RegistryApiTests(PostgresFixture postgres) : IAsyncLifetime
{
    private const string FourFeatureSchema = """{"features":[{"name":"income","type":"numeric"},{"name":"age","type":"numeric"},{"name":"debt","type":"numeric"},{"name":"tenure","type":"numeric"}]}""";
    private string _connectionString = "";

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _connectionString = await postgres.CreateMigratedDatabaseAsync("registry");
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    [Fact]
    public async Task Upload_then_promote_makes_the_version_champion_and_announces_it()
    {
        await using var predictor = ServingSetup.AdminPredictor(_connectionString);
        using var client = await predictor.StartAdminClientAsync();
        await using var listener = new NpgsqlConnection(_connectionString);
        await listener.OpenAsync(Cancellation);
        var notifications = new List<string>();
        listener.Notification += (_, e) => notifications.Add(e.Payload);
        await using (var listen = new NpgsqlCommand("LISTEN model_promoted", listener))
        {
            await listen.ExecuteNonQueryAsync(Cancellation);
        }

        using var uploaded = await client.PostAsync("/models/credit/versions", ServingSetup.ModelUpload(LogisticModel(), FourFeatureSchema), Cancellation);
        var version = await ReadJsonAsync(uploaded);
        Assert.Equal(HttpStatusCode.Created, uploaded.StatusCode);
        Assert.Equal("/models/credit/versions/1", uploaded.Headers.Location?.OriginalString);
        Assert.Equal(1, version.GetProperty("version").GetInt32());
        Assert.Equal("candidate", version.GetProperty("stage").GetString());
        Assert.Equal(64, version.GetProperty("sha256").GetString()!.Length);
        Assert.Equal(["income", "age", "debt", "tenure"], version.GetProperty("featureSchema").GetProperty("features").EnumerateArray().Select(f => f.GetProperty("name").GetString()));

        using var promoted = await client.PostAsync("/models/credit/versions/1/promote", null, Cancellation);
        Assert.Equal(HttpStatusCode.OK, promoted.StatusCode);
        Assert.Equal("champion", (await ReadJsonAsync(promoted)).GetProperty("stage").GetString());

        await listener.WaitAsync(TimeSpan.FromSeconds(10), Cancellation);
        Assert.Equal("""{"model":"credit","version":1}""", Assert.Single(notifications));

        var models = await ReadJsonAsync(await client.GetAsync("/models", Cancellation));
        var credit = Assert.Single(models.EnumerateArray());
        Assert.Equal("classification", credit.GetProperty("task").GetString());
        Assert.Equal(1, credit.GetProperty("championVersion").GetInt32());
    }

    [Fact]
    public async Task Promoting_a_new_version_archives_the_old_champion()
    {
        await using var predictor = ServingSetup.AdminPredictor(_connectionString);
        using var client = await predictor.StartAdminClientAsync();
        for (var i = 0; i < 2; i++)
        {
            using var uploaded = await client.PostAsync("/models/churn/versions", ServingSetup.ModelUpload(LogisticModel(), FourFeatureSchema), Cancellation);
            Assert.Equal(HttpStatusCode.Created, uploaded.StatusCode);
        }

        (await client.PostAsync("/models/churn/versions/1/promote", null, Cancellation)).Dispose();
        (await client.PostAsync("/models/churn/versions/2/promote", null, Cancellation)).Dispose();

        var versions = (await ReadJsonAsync(await client.GetAsync("/models/churn/versions", Cancellation))).EnumerateArray()
            .ToDictionary(v => v.GetProperty("version").GetInt32(), v => v.GetProperty("stage").GetString());
        Assert.Equal(new Dictionary<int, string?> { [2] = "champion", [1] = "archived" }, versions);
    }

    [Fact]
    public async Task Admin_routes_are_closed_without_a_configured_key_and_refuse_a_wrong_key()
    {
        await using (var closed = new PredictorFactory(_connectionString))
        {
            // The client presents the key, but the predictor has none configured.
            using var client = await closed.StartAdminClientAsync();
            using var response = await client.PostAsync("/models/credit/versions", ServingSetup.ModelUpload(LogisticModel(), FourFeatureSchema), Cancellation);
            await AssertProblemAsync(response, HttpStatusCode.Forbidden, "/problems/admin-closed");
        }

        await using var open = ServingSetup.AdminPredictor(_connectionString);
        using var wrongKey = await open.StartReadyClientAsync(Cancellation);
        wrongKey.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "not-the-key");
        using var refused = await wrongKey.PostAsync("/models/credit/versions/1/promote", null, Cancellation);
        await AssertProblemAsync(refused, HttpStatusCode.Unauthorized, "/problems/unauthorized");
        Assert.Equal("Bearer", refused.Headers.WwwAuthenticate.Single().Scheme);
    }

    public static TheoryData<string, string, string> BadUploads => new()
    {
        { "not onnx at all", FourFeatureSchema, "ONNX Runtime cannot load the model" },
        { "logistic", """{"features":[{"name":"a","type":"numeric"}]}""", "The schema lists 1 features but input 'input' has 4 columns." },
        { "logistic", """{"features":[{"name":"a","type":"numeric"},{"name":"b","type":"numeric"},{"name":"c","type":"numeric"},{"name":"d","type":"categorical"}]}""", "Feature 'd' is categorical" },
    };

    [Theory]
    [MemberData(nameof(BadUploads))]
    public async Task A_model_that_cannot_be_served_is_refused_at_upload_with_the_reason(string model, string schema, string reason)
    {
        await using var predictor = ServingSetup.AdminPredictor(_connectionString);
        using var client = await predictor.StartAdminClientAsync();
        var bytes = model == "logistic" ? LogisticModel() : Encoding.UTF8.GetBytes(model);

        using var response = await client.PostAsync("/models/bad/versions", ServingSetup.ModelUpload(bytes, schema), Cancellation);

        var problem = await AssertProblemAsync(response, HttpStatusCode.UnprocessableEntity, "/problems/unservable-model");
        Assert.Contains(reason, problem.GetProperty("detail").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/models/bad/versions", Cancellation)).StatusCode);
    }

    [Fact]
    public async Task Malformed_uploads_get_their_status_and_problem_type()
    {
        await using var predictor = ServingSetup.AdminPredictor(_connectionString);
        using var client = await predictor.StartAdminClientAsync();

        await AssertProblemAsync(
            await client.PostAsync("/models/x/versions", new StringContent("{}", Encoding.UTF8, "application/json"), Cancellation),
            HttpStatusCode.UnsupportedMediaType,
            "/problems/unsupported-media-type");
        var badSchema = await AssertProblemAsync(
            await client.PostAsync("/models/x/versions", ServingSetup.ModelUpload(LogisticModel(), "{not json"), Cancellation),
            HttpStatusCode.UnprocessableEntity,
            "/problems/invalid-request");
        Assert.Equal("schema", badSchema.GetProperty("field").GetString());
        var noFile = await AssertProblemAsync(
            await client.PostAsync("/models/x/versions", new MultipartFormDataContent { { new StringContent(FourFeatureSchema), "schema" } }, Cancellation),
            HttpStatusCode.UnprocessableEntity,
            "/problems/invalid-request");
        Assert.Equal("model", noFile.GetProperty("field").GetString());
        await AssertProblemAsync(
            await client.PostAsync("/models/bad%20name!/versions", ServingSetup.ModelUpload(LogisticModel(), FourFeatureSchema), Cancellation),
            HttpStatusCode.UnprocessableEntity,
            "/problems/invalid-request");
        await AssertProblemAsync(await client.GetAsync("/models/nobody/versions", Cancellation), HttpStatusCode.NotFound, "/problems/not-found");
        await AssertProblemAsync(await client.PostAsync("/models/nobody/versions/1/promote", null, Cancellation), HttpStatusCode.NotFound, "/problems/not-found");
    }

    [Fact]
    public async Task Uploading_a_regressor_under_a_classifier_name_is_a_conflict()
    {
        await using var predictor = ServingSetup.AdminPredictor(_connectionString);
        using var client = await predictor.StartAdminClientAsync();
        (await client.PostAsync("/models/mixed/versions", ServingSetup.ModelUpload(LogisticModel(), FourFeatureSchema), Cancellation)).Dispose();

        var regressor = ModelExporter.LinearRegression(new float[,] { { 1, 2, 3, 4 } }, [0.5f]).ToByteArray();
        using var response = await client.PostAsync("/models/mixed/versions", ServingSetup.ModelUpload(regressor, FourFeatureSchema), Cancellation);

        await AssertProblemAsync(response, HttpStatusCode.Conflict, "/problems/conflict");
    }

    [Theory]
    [InlineData("skl_logreg_iris_zipmap", "classification", "vector", "f0,f1")]
    [InlineData("skl_pipeline_titanic_zipmap", "classification", "named", "age,embarked,fare,pclass,sex")]
    [InlineData("xgb_regressor", "regression", "vector", null)]
    [InlineData("torch_mlp_iris", null, "vector", "f0,f1,f2,f3")]
    public async Task Real_exported_models_upload_with_the_signature_they_imply(string model, string? task, string layout, string? features)
    {
        var path = SharedTestData.TabularModel(model);
        await using var predictor = ServingSetup.AdminPredictor(_connectionString);
        using var client = await predictor.StartAdminClientAsync();

        using var response = await client.PostAsync($"/models/{model.Replace('_', '-')}/versions", ServingSetup.ModelUpload(await File.ReadAllBytesAsync(path, Cancellation), schema: null), Cancellation);
        var version = await ReadJsonAsync(response);

        Assert.True(response.StatusCode == HttpStatusCode.Created, version.ToString());
        var names = version.GetProperty("featureSchema").GetProperty("features").EnumerateArray().Select(f => f.GetProperty("name").GetString()!).Order().ToList();
        if (features is not null)
        {
            Assert.Equal(features.Split(','), names);
        }

        var models = await ReadJsonAsync(await client.GetAsync("/models", Cancellation));
        if (task is not null)
        {
            Assert.Equal(task, Assert.Single(models.EnumerateArray()).GetProperty("task").GetString());
        }

        var versions = await ReadJsonAsync(await client.GetAsync($"/models/{model.Replace('_', '-')}/versions", Cancellation));
        Assert.Equal(layout, Assert.Single(versions.EnumerateArray()).GetProperty("parameters").GetProperty("layout").GetString());
    }

    private static byte[] LogisticModel() =>
        ModelExporter.LogisticRegression([0.5f, -0.25f, 1f, 0.1f], 0.2f, ClassLabels.Of(0, 1)).ToByteArray();

    private static async Task<JsonElement> ReadJsonAsync(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync(Cancellation)).RootElement.Clone();

    private static async Task<JsonElement> AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string type)
    {
        using (response)
        {
            var body = await ReadJsonAsync(response);
            Assert.True(status == response.StatusCode, $"Expected {status}, got {response.StatusCode}: {body}");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.Equal(type, body.GetProperty("type").GetString());
            return body;
        }
    }
}
