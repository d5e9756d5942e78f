using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Monitoring.Data;
using Monitoring.Data.Training;
using Training.Worker.Jobs;

namespace Training.Worker.Apis;

public sealed record QueueJobRequest(
    [property: JsonPropertyName("model")] string? Model,
    [property: JsonPropertyName("reason")] string? Reason);

public sealed record JobReply(
    [property: JsonPropertyName("id")] Guid Id,
    [property: JsonPropertyName("model")] string Model,
    [property: JsonPropertyName("trigger")] string Trigger,
    [property: JsonPropertyName("reason")] string Reason,
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("attempts")] int Attempts,
    [property: JsonPropertyName("max_attempts")] int MaxAttempts,
    [property: JsonPropertyName("created_at")] DateTimeOffset CreatedAt,
    [property: JsonPropertyName("started_at")] DateTimeOffset? StartedAt,
    [property: JsonPropertyName("finished_at")] DateTimeOffset? FinishedAt,
    [property: JsonPropertyName("not_before")] DateTimeOffset NotBefore,
    [property: JsonPropertyName("result_version")] int? ResultVersion,
    [property: JsonPropertyName("error")] string? Error,
    [property: JsonPropertyName("details")] JsonElement? Details,
    [property: JsonPropertyName("created")] bool? Created = null)
{
    public static JobReply From(TrainingJob job, bool? created = null) => new(
        job.Id,
        job.ModelName,
        job.Trigger.ToString().ToLowerInvariant(),
        job.Reason,
        job.Status.ToString().ToLowerInvariant(),
        job.Attempts,
        job.MaxAttempts,
        job.CreatedAt,
        job.StartedAt,
        job.FinishedAt,
        job.NotBefore,
        job.ResultVersion,
        job.Error,
        job.Details is null ? null : JsonDocument.Parse(job.Details).RootElement.Clone(),
        created);
}

/// <summary><c>/training/jobs</c>: queue a retraining (admin) and follow jobs through the queue.</summary>
public static class TrainingJobsApi
{
    public const int MaxListLimit = 500;

    public static IEndpointRouteBuilder MapTrainingJobsApi(this IEndpointRouteBuilder endpoints)
    {
        var jobs = endpoints.MapGroup("/training/jobs").WithTags("Training");
        jobs.MapPost("/", QueueAsync).AddEndpointFilter<AdminApiKeyFilter>().WithName("QueueTrainingJob");
        jobs.MapGet("/", ListAsync).WithName("ListTrainingJobs");
        jobs.MapGet("/{id:guid}", GetAsync).WithName("GetTrainingJob");
        return endpoints;
    }

    private static async Task<IResult> QueueAsync(
        HttpRequest request,
        ModelDbContext database,
        TrainingJobRunner runner,
        IOptions<TrainingWorkerOptions> options,
        TimeProvider time,
        CancellationToken cancellationToken)
    {
        if (!request.HasJsonContentType())
        {
            return ApiProblems.UnsupportedMediaType("Send the job as application/json: {\"model\": name, \"reason\": text}.");
        }

        QueueJobRequest? body;
        try
        {
            body = await request.ReadFromJsonAsync<QueueJobRequest>(cancellationToken);
        }
        catch (JsonException exception)
        {
            return ApiProblems.Malformed($"The body is not valid JSON: {exception.Message}");
        }

        if (string.IsNullOrWhiteSpace(body?.Model))
        {
            return ApiProblems.Unprocessable("'model' names the model to retrain.", "model");
        }

        var model = body.Model.Trim();
        var known = options.Value.Bootstrap.Any(b => b.Name == model) || await database.Models.AnyAsync(m => m.Name == model, cancellationToken);
        if (!known)
        {
            return ApiProblems.NotFound($"There is no model '{model}' in the registry or in {TrainingWorkerOptions.Section}:{nameof(TrainingWorkerOptions.Bootstrap)}.");
        }

        var reason = string.IsNullOrWhiteSpace(body.Reason) ? "Requested through the API." : body.Reason.Trim();
        var queued = await TrainingJobQueue.EnqueueAsync(database, model, TrainingTrigger.Manual, reason, time.GetUtcNow(), options.Value.MaxAttempts, cancellationToken);
        runner.Wake();
        return TypedResults.Accepted($"/training/jobs/{queued.Job.Id}", JobReply.From(queued.Job, queued.Created));
    }

    private static async Task<IResult> ListAsync(ModelDbContext database, string? model, string? status, int? limit, CancellationToken cancellationToken)
    {
        if (limit is < 1 or > MaxListLimit)
        {
            return ApiProblems.Unprocessable($"'limit' is between 1 and {MaxListLimit}.", "limit");
        }

        var query = database.TrainingJobs.AsNoTracking();
        if (!string.IsNullOrWhiteSpace(model))
        {
            query = query.Where(j => j.ModelName == model);
        }

        if (!string.IsNullOrWhiteSpace(status))
        {
            if (!Enum.TryParse<TrainingJobStatus>(status, ignoreCase: true, out var parsed))
            {
                return ApiProblems.Unprocessable($"'status' is one of {string.Join(", ", Enum.GetNames<TrainingJobStatus>().Select(n => n.ToLowerInvariant()))}.", "status");
            }

            query = query.Where(j => j.Status == parsed);
        }

        var jobs = await query.OrderByDescending(j => j.CreatedAt).Take(limit ?? 50).ToListAsync(cancellationToken);
        return TypedResults.Ok(jobs.Select(j => JobReply.From(j)).ToList());
    }

    private static async Task<IResult> GetAsync(Guid id, ModelDbContext database, CancellationToken cancellationToken) =>
        await database.TrainingJobs.AsNoTracking().SingleOrDefaultAsync(j => j.Id == id, cancellationToken) is { } job
            ? TypedResults.Ok(JobReply.From(job))
            : ApiProblems.NotFound($"There is no training job {id}.");
}
