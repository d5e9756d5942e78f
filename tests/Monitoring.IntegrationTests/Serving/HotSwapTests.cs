using System.Text;
using System.Text.Json.Nodes;
using Monitoring.IntegrationTests.Infrastructure;
using Monitoring.Testing;
using Onnx.Export;

namespace Monitoring.IntegrationTests.Serving;

public sealed class HotSwapTests(PostgresFixture postgres)
{
    private const string Schema = """{"features":[{"name":"x","type":"numeric"}]}""";

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_promotion_under_concurrent_load_fails_no_request_and_replies_switch_version()
    {
        await using var predictor = ServingSetup.AdminPredictor(await postgres.CreateMigratedDatabaseAsync("swap"));
        using var client = await predictor.StartAdminClientAsync();
        await client.UploadAndPromoteAsync("swap", ModelExporter.LinearRegression(new float[,] { { 1f } }, [0f]).ToByteArray(), Schema);
        await client.UploadAsync("swap", ModelExporter.LinearRegression(new float[,] { { 2f } }, [0f]).ToByteArray(), Schema);

        var failures = 0;
        var perVersion = new int[3];
        var sawVersion2 = new TaskCompletionSource();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Cancellation);
        var workers = Enumerable.Range(0, 32).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    using var response = await client.PostAsync("/predict", Body(), stop.Token);
                    var reply = JsonNode.Parse(await response.Content.ReadAsStringAsync(stop.Token))!;
                    var version = reply["model_version"]?.GetValue<int>() ?? 0;
                    var value = reply["predictions"]?[0]?["value"]?.GetValue<double>();
                    // Each version answers with its own weight: a reply mixing them would be wrong.
                    if (!response.IsSuccessStatusCode || value != 3.0 * version)
                    {
                        Interlocked.Increment(ref failures);
                    }

                    Interlocked.Increment(ref perVersion[Math.Clamp(version, 0, 2)]);
                    if (version == 2 && Volatile.Read(ref perVersion[2]) >= 1000)
                    {
                        sawVersion2.TrySetResult();
                    }
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                    return;
                }
            }
        }, Cancellation)).ToList();

        await Eventually.GetAsync(() => Task.FromResult(Volatile.Read(ref perVersion[1]) >= 1000 ? workers : null), TimeSpan.FromSeconds(60), "1000 replies from version 1", Cancellation);
        (await client.PostAsync("/models/swap/versions/2/promote", null, Cancellation)).Dispose();
        await sawVersion2.Task.WaitAsync(TimeSpan.FromSeconds(60), Cancellation);
        await stop.CancelAsync();
        await Task.WhenAll(workers);

        Assert.Equal(0, failures);
        Assert.Equal(0, perVersion[0]);
        Assert.True(perVersion[1] >= 1000 && perVersion[2] >= 1000, $"v1: {perVersion[1]}, v2: {perVersion[2]}");
    }

    private static StringContent Body() => new("""{"features":{"x":3}}""", Encoding.UTF8, "application/json");
}
