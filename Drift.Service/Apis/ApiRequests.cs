using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;

namespace Drift.Service.Apis;

/// <summary>Reading a JSON body with the service's media type and size rules (415, 413, 400).</summary>
internal static class ApiRequests
{
    public static async Task<(JsonDocument? Document, IResult? Refusal)> ReadJsonAsync(HttpContext context, DriftServiceOptions settings, string mediaTypeHint, CancellationToken cancellationToken)
    {
        var request = context.Request;
        if (!request.HasJsonContentType())
        {
            return (null, ApiProblems.UnsupportedMediaType(mediaTypeHint));
        }

        var tooLarge = ApiProblems.TooLarge($"The body is larger than {settings.MaxRequestBytes} bytes ({DriftServiceOptions.Section}:{nameof(DriftServiceOptions.MaxRequestBytes)}).");
        if (request.ContentLength > settings.MaxRequestBytes)
        {
            return (null, tooLarge);
        }

        // Bodies without a length (chunked) are cut off by the server at the same limit.
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = settings.MaxRequestBytes;
        }

        try
        {
            return (await JsonDocument.ParseAsync(request.Body, cancellationToken: cancellationToken), null);
        }
        catch (JsonException exception)
        {
            return (null, ApiProblems.Malformed($"The body is not valid JSON: {exception.Message}"));
        }
        catch (BadHttpRequestException exception) when (exception.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return (null, tooLarge);
        }
    }
}
