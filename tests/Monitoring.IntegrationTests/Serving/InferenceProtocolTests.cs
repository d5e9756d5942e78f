using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Monitoring.IntegrationTests.Infrastructure;
using Monitoring.Testing;

namespace Monitoring.IntegrationTests.Serving;

/// <summary>The Open Inference Protocol v2 routes against real exported models.</summary>
public sealed class InferenceProtocolTests(PostgresFixture postgres) : IAsyncLifetime
{
    private string _connectionString = "";

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _connectionString = await postgres.CreateMigratedDatabaseAsync("oip");
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    [Theory]
    [MemberData(nameof(PredictApiTests.TabularModels), MemberType = typeof(PredictApiTests))]
    public async Task Infer_passes_tensors_by_name_and_returns_every_recorded_output(string model)
    {
        var path = SharedTestData.TabularModel(model);
        await using var predictor = ServingSetup.AdminPredictor(_connectionString);
        using var client = await predictor.StartAdminClientAsync();
        var name = model.Replace('_', '-');
        await client.UploadAndPromoteAsync(name, await File.ReadAllBytesAsync(path, Cancellation));
        var recordedInputs = JsonNode.Parse(await File.ReadAllTextAsync(Path.ChangeExtension(path, ".inputs.json"), Cancellation))!.AsObject();
        var expected = JsonNode.Parse(await File.ReadAllTextAsync(Path.ChangeExtension(path, ".outputs.json"), Cancellation))!.AsObject();
        var inputs = new JsonArray();
        foreach (var (input, tensor) in recordedInputs)
        {
            inputs.Add(new JsonObject
            {
                ["name"] = input,
                ["datatype"] = tensor!["dtype"]!.GetValue<string>() switch { "float32" => "FP32", "int64" => "INT64", "string" => "BYTES", var other => other },
                ["shape"] = tensor["shape"]!.DeepClone(),
                ["data"] = tensor["data"]!.DeepClone(),
            });
        }

        using var response = await client.PostAsync($"/v2/models/{name}/infer", Json(new JsonObject { ["id"] = "req-1", ["inputs"] = inputs }.ToJsonString()), Cancellation);
        var reply = JsonNode.Parse(await response.Content.ReadAsStringAsync(Cancellation))!;

        Assert.True(response.IsSuccessStatusCode, reply.ToJsonString());
        Assert.Equal(name, reply["model_name"]!.GetValue<string>());
        Assert.Equal("1", reply["model_version"]!.GetValue<string>());
        Assert.Equal("req-1", reply["id"]!.GetValue<string>());
        var outputs = reply["outputs"]!.AsArray().ToDictionary(o => o!["name"]!.GetValue<string>(), o => o!);
        Assert.Equal(expected.Select(e => e.Key).Order(), outputs.Keys.Order());
        foreach (var (output, recorded) in expected)
        {
            var actual = outputs[output]["data"]!.AsArray();
            if (recorded is JsonArray zipMap)
            {
                Assert.Equal("BYTES", outputs[output]["datatype"]!.GetValue<string>());
                for (var row = 0; row < zipMap.Count; row++)
                {
                    var map = JsonNode.Parse(actual[row]!.GetValue<string>())!.AsObject();
                    foreach (var (label, probability) in zipMap[row]!.AsObject())
                    {
                        Assert.Equal(probability!.GetValue<double>(), map[label]!.GetValue<double>(), 1e-4);
                    }
                }

                continue;
            }

            var data = recorded!["data"]!.AsArray();
            Assert.Equal(recorded["shape"]!.AsArray().Select(d => d!.GetValue<long>()), outputs[output]["shape"]!.AsArray().Select(d => d!.GetValue<long>()));
            for (var i = 0; i < data.Count; i++)
            {
                if (recorded["dtype"]!.GetValue<string>() == "float32")
                {
                    Assert.Equal(data[i]!.GetValue<double>(), actual[i]!.GetValue<double>(), 1e-4);
                }
                else
                {
                    Assert.Equal(data[i]!.ToJsonString(), actual[i]!.ToJsonString());
                }
            }
        }
    }

    [Fact]
    public async Task Metadata_health_and_readiness_describe_the_served_model()
    {
        var path = SharedTestData.TabularModel("skl_pipeline_titanic_nozipmap");
        await using var predictor = ServingSetup.AdminPredictor(_connectionString);
        using var client = await predictor.StartAdminClientAsync();
        await client.UploadAndPromoteAsync("titanic", await File.ReadAllBytesAsync(path, Cancellation));

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/v2/health/live", Cancellation)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/v2/health/ready", Cancellation)).StatusCode);
        Assert.False(string.IsNullOrEmpty(JsonNode.Parse(await client.GetStringAsync("/v2", Cancellation))!["version"]!.GetValue<string>()));
        var metadata = JsonNode.Parse(await client.GetStringAsync("/v2/models/titanic", Cancellation))!;
        Assert.Equal("onnxruntime_onnx", metadata["platform"]!.GetValue<string>());
        Assert.Equal(["1"], metadata["versions"]!.AsArray().Select(v => v!.GetValue<string>()));
        var pclass = metadata["inputs"]!.AsArray().Single(i => i!["name"]!.GetValue<string>() == "pclass")!;
        Assert.Equal("INT64", pclass["datatype"]!.GetValue<string>());
        Assert.Equal([-1L, 1L], pclass["shape"]!.AsArray().Select(d => d!.GetValue<long>()));
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/v2/models/titanic/versions/1/ready", Cancellation)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/v2/models/titanic/versions/7", Cancellation)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/v2/models/nobody/ready", Cancellation)).StatusCode);
    }

    public static TheoryData<string, HttpStatusCode> BadInferRequests => new()
    {
        { "{not json", HttpStatusCode.BadRequest },
        { """{"inputs":[]}""", HttpStatusCode.UnprocessableEntity },
        { """{"inputs":[{"name":"nope","datatype":"FP32","shape":[1,2],"data":[1,2]}]}""", HttpStatusCode.UnprocessableEntity },
        { """{"inputs":[{"name":"X","datatype":"INT64","shape":[1,2],"data":[1,2]}]}""", HttpStatusCode.UnprocessableEntity },
        { """{"inputs":[{"name":"X","datatype":"FP32","shape":[1,2],"data":[1,2,3]}]}""", HttpStatusCode.UnprocessableEntity },
        { """{"inputs":[{"name":"X","datatype":"FP32","shape":[1,3],"data":[1,2,3]}]}""", HttpStatusCode.UnprocessableEntity },
        { """{"inputs":[{"name":"X","datatype":"FP32","shape":[1,2],"data":["a",2]}]}""", HttpStatusCode.UnprocessableEntity },
        { """{"inputs":[{"name":"X","datatype":"FP32","shape":[1,2],"data":[1e400,2]}]}""", HttpStatusCode.UnprocessableEntity },
    };

    [Theory]
    [MemberData(nameof(BadInferRequests))]
    public async Task A_bad_infer_request_is_refused_with_a_problem(string body, HttpStatusCode status)
    {
        var path = SharedTestData.TabularModel("skl_logreg_iris_zipmap");
        await using var predictor = ServingSetup.AdminPredictor(_connectionString);
        using var client = await predictor.StartAdminClientAsync();
        await client.UploadAndPromoteAsync("iris", await File.ReadAllBytesAsync(path, Cancellation));

        using var response = await client.PostAsync("/v2/models/iris/infer", Json(body), Cancellation);

        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");
}
