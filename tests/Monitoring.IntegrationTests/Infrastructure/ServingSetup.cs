using System.Net;
using System.Net.Http.Headers;
using Monitoring.Testing;

namespace Monitoring.IntegrationTests.Infrastructure;

/// <summary>
/// The steps the registry, serving and protocol tests share: a migrated database of their own, a predictor with an
/// admin key and a client that presents it, uploading a model and waiting until a promoted version is served.
/// </summary>
internal static class ServingSetup
{
    public const string AdminKey = "integration-admin-key";

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    /// <summary>A fresh database (named <paramref name="prefix"/>_…) with the schema applied.</summary>
    public static async Task<string> CreateMigratedDatabaseAsync(this PostgresFixture postgres, string prefix)
    {
        var connectionString = await postgres.CreateDatabaseAsync($"{prefix}_{Guid.NewGuid():N}"[..Math.Min(prefix.Length + 21, 40)], Cancellation);
        await ModelDatabase.MigrateAsync(connectionString, Cancellation);
        return connectionString;
    }

    /// <summary>A predictor whose admin routes open with <see cref="AdminKey"/>.</summary>
    public static PredictorFactory AdminPredictor(string connectionString, IReadOnlyDictionary<string, string?>? settings = null)
    {
        var all = new Dictionary<string, string?>(settings ?? new Dictionary<string, string?>()) { ["Predictor:AdminApiKey"] = AdminKey };
        return new PredictorFactory(connectionString, all);
    }

    /// <summary>Starts the predictor, waits until it is ready, and returns a client that presents <see cref="AdminKey"/>.</summary>
    public static async Task<HttpClient> StartAdminClientAsync(this PredictorFactory predictor)
    {
        var client = await predictor.StartReadyClientAsync(Cancellation);
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminKey);
        return client;
    }

    /// <summary>The multipart upload of a model, with its feature schema when given.</summary>
    public static MultipartFormDataContent ModelUpload(byte[] onnx, string? schema = null)
    {
        var content = new MultipartFormDataContent();
        var file = new ByteArrayContent(onnx);
        file.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        content.Add(file, "model", "model.onnx");
        if (schema is not null)
        {
            content.Add(new StringContent(schema), "schema");
        }

        return content;
    }

    /// <summary>Uploads a version and requires it to be accepted.</summary>
    public static async Task UploadAsync(this HttpClient client, string name, byte[] onnx, string? schema = null)
    {
        using var upload = ModelUpload(onnx, schema);
        using var uploaded = await client.PostAsync($"/models/{name}/versions", upload, Cancellation);
        Assert.True(uploaded.StatusCode == HttpStatusCode.Created, await uploaded.Content.ReadAsStringAsync(Cancellation));
    }

    /// <summary>Promotes <paramref name="version"/> and waits until the predictor serves it.</summary>
    public static async Task PromoteAsync(this HttpClient client, string name, int version)
    {
        using var promoted = await client.PostAsync($"/models/{name}/versions/{version}/promote", null, Cancellation);
        Assert.Equal(HttpStatusCode.OK, promoted.StatusCode);
        await Eventually.GetAsync(
            async () => (await client.GetAsync($"/v2/models/{name}/versions/{version}/ready", Cancellation)).IsSuccessStatusCode ? client : null,
            TimeSpan.FromSeconds(60),
            $"{name} v{version} to be served",
            Cancellation);
    }

    /// <summary>Uploads the next version, promotes it, and waits until it is served.</summary>
    public static async Task UploadAndPromoteAsync(this HttpClient client, string name, byte[] onnx, string? schema = null, int version = 1)
    {
        await client.UploadAsync(name, onnx, schema);
        await client.PromoteAsync(name, version);
    }
}
