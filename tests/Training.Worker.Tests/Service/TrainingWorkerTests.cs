using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Monitoring.Data;
using Monitoring.Data.Evaluation;
using Monitoring.Data.Profiles;
using Monitoring.Data.Registry;
using Monitoring.Data.Training;
using Monitoring.Testing;

namespace Training.Worker.Tests.Service;

/// <summary>
/// The worker end to end over a real PostgreSQL: bootstrap, the promotion gate both ways, a worker stopped mid-job,
/// and two workers sharing a queue. Trainers run on small demo datasets so each job takes well under a second.
/// </summary>
public sealed class TrainingWorkerTests(PostgresFixture postgres) : IAsyncLifetime
{
    private string _connectionString = "";

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _connectionString = await postgres.CreateDatabaseAsync($"worker_{Guid.NewGuid():N}"[..30], Cancellation);
        await using var database = Open();
        await database.Database.MigrateAsync(Cancellation);
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private ModelDbContext Open() => new(new DbContextOptionsBuilder<ModelDbContext>().UseNpgsql(_connectionString).Options);

    private static Dictionary<string, string?> Bootstrap(string model, int rows, string algorithm = "logistic_regression", int index = 0) => new()
    {
        [$"Training:Bootstrap:{index}:Name"] = model,
        [$"Training:Bootstrap:{index}:Dataset"] = "credit-risk",
        [$"Training:Bootstrap:{index}:Rows"] = rows.ToString(System.Globalization.CultureInfo.InvariantCulture),
        [$"Training:Bootstrap:{index}:Algorithm"] = algorithm,
    };

    [Fact]
    public async Task A_bootstrap_model_is_trained_verified_stored_with_its_reference_profile_and_promoted()
    {
        await using var worker = new TrainingWorkerFactory(_connectionString, Bootstrap("credit", 2000));
        using var client = worker.StartClient();

        var job = await WaitForJobAsync(client, "credit", j => j.GetProperty("status").GetString() is "succeeded" or "failed" or "rejected");

        Assert.Equal("succeeded", job.GetProperty("status").GetString());
        Assert.Equal("bootstrap", job.GetProperty("trigger").GetString());
        Assert.Equal(1, job.GetProperty("result_version").GetInt32());
        Assert.True(job.GetProperty("details").GetProperty("onnx_parity_max_difference").GetDouble() <= 1e-4);
        await using var database = Open();
        var version = await database.ModelVersions.Include(v => v.Artifact).SingleAsync(Cancellation);
        Assert.Equal(ModelStage.Champion, version.Stage);
        Assert.Equal(ModelSource.Trained, version.Source);
        Assert.Equal("logistic_regression", version.Algorithm);
        Assert.True(EvaluationMetrics.FromJson(version.Metrics)!.RocAuc >= 0.8, version.Metrics);
        var profile = ReferenceProfile.FromJson(version.ReferenceProfile)!;
        var schema = FeatureSchema.TryParse(version.FeatureSchema, out var parsed, out _) ? parsed! : throw new InvalidOperationException();
        Assert.Equal(schema.Features.Select(f => f.Name), profile.Features.Select(f => f.Name));
        Assert.Contains(profile.Outputs, o => o.Name == ReferenceProfile.LabelOutput);
        Assert.NotNull(profile.Calibration);
        Assert.Equal(version.Sha256, Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(version.Artifact!.Onnx)));
    }

    [Fact]
    public async Task A_better_candidate_is_promoted_and_a_worse_one_is_kept_as_candidate_with_the_reason()
    {
        // A champion trained on very little data.
        await using (var weak = new TrainingWorkerFactory(_connectionString, Bootstrap("credit", 250)))
        {
            using var client = weak.StartClient();
            await WaitForJobAsync(client, "credit", j => j.GetProperty("status").GetString() == "succeeded");
        }

        // Retrained on far more: it beats the champion on the same holdout.
        await using (var strong = new TrainingWorkerFactory(_connectionString, Bootstrap("credit", 4000)))
        {
            using var client = strong.StartClient();
            var queued = await QueueAsync(client, "credit", "more data");
            var job = await WaitForJobAsync(client, "credit", j => j.GetProperty("id").GetGuid() == queued && j.GetProperty("status").GetString() is not ("queued" or "running"));
            Assert.Equal("succeeded", job.GetProperty("status").GetString());
            Assert.True(job.GetProperty("details").GetProperty("decision").GetProperty("promote").GetBoolean());
        }

        // The same data again, but the gate asks for a margin no model can reach: kept as a candidate, reason stored.
        var strict = Bootstrap("credit", 4000);
        strict["Training:PromotionMargin"] = "0.5";
        await using (var gated = new TrainingWorkerFactory(_connectionString, strict))
        {
            using var client = gated.StartClient();
            var queued = await QueueAsync(client, "credit", "gate check");
            var job = await WaitForJobAsync(client, "credit", j => j.GetProperty("id").GetGuid() == queued && j.GetProperty("status").GetString() is not ("queued" or "running"));
            Assert.Equal("rejected", job.GetProperty("status").GetString());
            Assert.Contains("does not beat", job.GetProperty("details").GetProperty("decision").GetProperty("reason").GetString(), StringComparison.Ordinal);
        }

        await using var database = Open();
        var stages = await database.ModelVersions.OrderBy(v => v.Version).Select(v => v.Stage).ToListAsync(Cancellation);
        Assert.Equal([ModelStage.Archived, ModelStage.Champion, ModelStage.Candidate], stages);
    }

    [Fact]
    public async Task A_worker_stopped_mid_job_leaves_it_to_another_worker_that_retries_it_after_the_lease()
    {
        // Big enough that the job is still training when the first worker stops.
        var slow = Bootstrap("credit", 60_000, "mlp");
        var first = new TrainingWorkerFactory(_connectionString, slow);
        using (var client = first.StartClient())
        {
            await WaitForJobAsync(client, "credit", j => j.GetProperty("status").GetString() == "running");
        }

        await first.StopAsync();
        await first.DisposeAsync();
        await using (var database = Open())
        {
            var abandoned = await database.TrainingJobs.AsNoTracking().SingleAsync(Cancellation);
            Assert.Equal(TrainingJobStatus.Running, abandoned.Status);
            Assert.NotNull(abandoned.LeaseOwner);
        }

        await using var second = new TrainingWorkerFactory(_connectionString, Bootstrap("credit", 2000));
        using var secondClient = second.StartClient();
        var job = await WaitForJobAsync(secondClient, "credit", j => j.GetProperty("status").GetString() == "succeeded");

        Assert.Equal(2, job.GetProperty("attempts").GetInt32());
        await using var check = Open();
        Assert.Equal(1, await check.ModelVersions.CountAsync(Cancellation));
    }

    [Fact]
    public async Task Two_workers_sharing_the_queue_process_each_job_once_and_promote_once_per_job()
    {
        var settings = new Dictionary<string, string?>();
        string[] models = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta"];
        for (var i = 0; i < models.Length; i++)
        {
            foreach (var (key, value) in Bootstrap(models[i], 1500, index: i))
            {
                settings[key] = value;
            }
        }

        await using var one = new TrainingWorkerFactory(_connectionString, settings);
        await using var two = new TrainingWorkerFactory(_connectionString, settings);
        using var clientOne = one.StartClient();
        using var clientTwo = two.StartClient();

        await WaitAsync(async () =>
        {
            await using var database = Open();
            return await database.TrainingJobs.CountAsync(j => j.Status == TrainingJobStatus.Succeeded, Cancellation) == models.Length;
        });

        await using var check = Open();
        Assert.Equal(models.Length, await check.TrainingJobs.CountAsync(Cancellation));
        Assert.All(await check.TrainingJobs.ToListAsync(Cancellation), j => Assert.Equal(1, j.Attempts));
        var versions = await check.ModelVersions.Include(v => v.Model).ToListAsync(Cancellation);
        Assert.Equal(models.Order(), versions.Select(v => v.Model!.Name).Order());
        Assert.All(versions, v => Assert.Equal(ModelStage.Champion, v.Stage));
    }

    [Fact]
    public async Task A_schedule_queues_retrains_of_models_with_a_champion()
    {
        var settings = Bootstrap("credit", 1000);
        settings["Training:ScheduleInterval"] = "00:00:01";
        await using var worker = new TrainingWorkerFactory(_connectionString, settings);
        using var client = worker.StartClient();

        var scheduled = await WaitForJobAsync(client, "credit", j => j.GetProperty("trigger").GetString() == "schedule" && j.GetProperty("status").GetString() is "succeeded" or "rejected");

        Assert.Contains("Scheduled", scheduled.GetProperty("reason").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Queueing_needs_the_admin_key_and_a_known_model()
    {
        await using var worker = new TrainingWorkerFactory(_connectionString, Bootstrap("credit", 500));
        using var client = worker.StartClient();

        using var anonymous = new HttpClient { BaseAddress = client.BaseAddress };
        using var refused = await anonymous.PostAsJsonAsync("/training/jobs", new { model = "credit" }, Cancellation);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);

        using var unknown = await client.PostAsJsonAsync("/training/jobs", new { model = "nope" }, Cancellation);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal("application/problem+json", unknown.Content.Headers.ContentType?.MediaType);

        using var missing = await client.PostAsJsonAsync("/training/jobs", new { reason = "x" }, Cancellation);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, missing.StatusCode);

        using var notFound = await client.GetAsync($"/training/jobs/{Guid.NewGuid()}", Cancellation);
        Assert.Equal(HttpStatusCode.NotFound, notFound.StatusCode);
    }

    private static Task<Guid> QueueAsync(HttpClient client, string model, string reason) =>
        JobClient.QueueAsync(client, model, reason, Cancellation);

    private static Task<JsonElement> WaitForJobAsync(HttpClient client, string model, Func<JsonElement, bool> condition) =>
        JobClient.WaitForJobAsync(client, model, condition, Cancellation);

    private static async Task WaitAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "The condition was not met within 120 s.");
            await Task.Delay(100, Cancellation);
        }
    }
}
