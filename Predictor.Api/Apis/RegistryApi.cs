using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using Monitoring.Data.Database;
using Monitoring.Data.Profiles;
using Monitoring.Data.Registry;
using Predictor.Api.Models;
using Predictor.Api.Registry;
using Predictor.Api.Serving;

namespace Predictor.Api.Apis;

/// <summary>The model registry: list models and versions; upload and promote (admin).</summary>
public static partial class RegistryApi
{
    // Room for the multipart envelope and the schema next to the ONNX file.
    private const long FormOverheadBytes = 1024 * 1024;

    public static RouteGroupBuilder MapRegistryApi(this IEndpointRouteBuilder endpoints)
    {
        var models = endpoints.MapGroup("/models").WithTags("Registry").AddEndpointFilter(RequireCurrentSchemaAsync);
        models.MapGet("/", ListModelsAsync).WithName("ListModels");
        models.MapGet("/{name}/versions", ListVersionsAsync).WithName("ListModelVersions");
        models.MapPost("/{name}/versions", UploadVersionAsync)
            .WithName("UploadModelVersion")
            .AddEndpointFilter<AdminApiKeyFilter>()
            .DisableAntiforgery();
        models.MapPost("/{name}/versions/{version:int}/promote", PromoteAsync)
            .WithName("PromoteModelVersion")
            .AddEndpointFilter<AdminApiKeyFilter>();
        return models;
    }

    /// <summary>Until the schema is in place the registry answers 503, not a database error.</summary>
    private static async ValueTask<object?> RequireCurrentSchemaAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var schema = context.HttpContext.RequestServices.GetRequiredService<ModelSchemaState>();
        return schema.IsCurrent ? await next(context) : Problems.NotReady(schema.Status);
    }

    private static async Task<IResult> ListModelsAsync(ModelRegistry registry, CancellationToken cancellationToken) =>
        TypedResults.Ok(await registry.ListModelsAsync(cancellationToken));

    private static async Task<IResult> ListVersionsAsync(string name, ModelRegistry registry, CancellationToken cancellationToken) =>
        await registry.ListVersionsAsync(name, cancellationToken) is { } versions
            ? TypedResults.Ok(versions)
            : Problems.NotFound($"There is no model '{name}'.");

    private static async Task<IResult> UploadVersionAsync(
        string name,
        HttpContext context,
        ModelRegistry registry,
        IOptions<PredictorOptions> options,
        CancellationToken cancellationToken)
    {
        if (!ModelName().IsMatch(name))
        {
            return Problems.Unprocessable("A model name has 1 to 100 letters, digits, '.', '_' or '-', and starts with a letter or digit.", "name");
        }

        var request = context.Request;
        if (!request.HasFormContentType)
        {
            return Problems.UnsupportedMediaType("Upload a model as multipart/form-data with a 'model' file part.");
        }

        var maxBytes = options.Value.MaxModelBytes;
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } bodySize)
        {
            bodySize.MaxRequestBodySize = maxBytes + FormOverheadBytes;
        }

        IFormCollection form;
        try
        {
            form = await request.ReadFormAsync(cancellationToken);
        }
        catch (Exception exception) when (exception is InvalidDataException or BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge })
        {
            return Problems.TooLarge($"The upload is larger than {maxBytes} bytes ({PredictorOptions.Section}:{nameof(PredictorOptions.MaxModelBytes)}).");
        }
        catch (BadHttpRequestException exception)
        {
            return Problems.Malformed($"The multipart body could not be read: {exception.Message}");
        }

        if (form.Files.GetFile("model") is not { Length: > 0 } file)
        {
            return Problems.Unprocessable("The upload needs a non-empty 'model' file part holding the ONNX model.", "model");
        }

        if (file.Length > maxBytes)
        {
            return Problems.TooLarge($"The model is {file.Length} bytes; the limit is {maxBytes} ({PredictorOptions.Section}:{nameof(PredictorOptions.MaxModelBytes)}).");
        }

        FeatureSchema? schema = null;
        if (form.TryGetValue("schema", out var schemaText) && !string.IsNullOrWhiteSpace(schemaText))
        {
            if (!FeatureSchema.TryParse(schemaText.ToString(), out schema, out var schemaError))
            {
                return Problems.Unprocessable(schemaError!, "schema");
            }
        }

        ModelTask? task = null;
        if (form.TryGetValue("task", out var taskText) && !string.IsNullOrWhiteSpace(taskText))
        {
            if (!Enum.TryParse<ModelTask>(taskText.ToString(), ignoreCase: true, out var parsedTask) || !Enum.IsDefined(parsedTask))
            {
                return Problems.Unprocessable("'task' is 'classification' or 'regression'.", "task");
            }

            task = parsedTask;
        }

        byte[] onnx;
        await using (var stream = file.OpenReadStream())
        {
            onnx = new byte[file.Length];
            await stream.ReadExactlyAsync(onnx, cancellationToken);
        }

        ValidatedModel validated;
        try
        {
            validated = ModelUploadValidator.Validate(onnx, schema, task, form["algorithm"].ToString());
        }
        catch (UnservableModelException exception)
        {
            return Problems.UnservableModel(exception.Message);
        }

        ReferenceProfile? profile = null;
        if (form.Files.GetFile("reference") is { } reference)
        {
            try
            {
                using var served = new ServedModel(name, 0, validated.Task, validated.Signature.Schema, validated.Algorithm, validated.Onnx);
                await using var csv = reference.OpenReadStream();
                profile = await ReferenceCsvProfiler.BuildAsync(csv, served, form["target"].ToString() is { Length: > 0 } target ? target : null, cancellationToken);
            }
            catch (ReferenceDataException exception)
            {
                return Problems.Unprocessable(exception.Message, "reference");
            }
        }

        try
        {
            var version = await registry.AddVersionAsync(name, validated, form["description"].ToString() is { Length: > 0 } description ? description : null, profile, cancellationToken);
            return TypedResults.Created($"/models/{name}/versions/{version.Version}", version);
        }
        catch (RegistryConflictException exception)
        {
            return Problems.Conflict(exception.Message);
        }
    }

    private static async Task<IResult> PromoteAsync(string name, int version, ModelRegistry registry, CancellationToken cancellationToken)
    {
        try
        {
            return TypedResults.Ok(await registry.PromoteAsync(name, version, cancellationToken));
        }
        catch (RegistryNotFoundException exception)
        {
            return Problems.NotFound(exception.Message);
        }
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")]
    private static partial Regex ModelName();
}
