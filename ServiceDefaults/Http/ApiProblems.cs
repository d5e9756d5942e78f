using Microsoft.AspNetCore.Http;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// RFC 9457 problem responses with stable <c>type</c> URIs (<c>/problems/…</c>), one place for each kind of error
/// the services return (see docs/api.md: 400 malformed, 404 unknown, 409 conflict, 413 too large, 415 media type,
/// 422 wrong shape or value).
/// </summary>
public static class ApiProblems
{
    private const string TypePrefix = "/problems/";

    public static IResult NotFound(string detail) => Problem(StatusCodes.Status404NotFound, "not-found", "Not found", detail);

    public static IResult Conflict(string detail) => Problem(StatusCodes.Status409Conflict, "conflict", "Conflict", detail);

    public static IResult Malformed(string detail, string? field = null) =>
        Problem(StatusCodes.Status400BadRequest, "malformed-request", "The request is malformed", detail, field);

    public static IResult Unprocessable(string detail, string? field = null) =>
        Problem(StatusCodes.Status422UnprocessableEntity, "invalid-request", "The request is not valid", detail, field);

    public static IResult TooLarge(string detail) => Problem(StatusCodes.Status413PayloadTooLarge, "too-large", "The request is too large", detail);

    public static IResult UnsupportedMediaType(string detail) =>
        Problem(StatusCodes.Status415UnsupportedMediaType, "unsupported-media-type", "Unsupported media type", detail);

    public static IResult NotReady(string detail) =>
        Problem(StatusCodes.Status503ServiceUnavailable, "not-ready", "The service is not ready", detail);

    public static IResult Unauthorized() => Problem(
        StatusCodes.Status401Unauthorized, "unauthorized", "Unauthorized", "This route needs the admin API key: Authorization: Bearer <key>.");

    public static IResult AdminClosed(string settingName) => Problem(
        StatusCodes.Status403Forbidden,
        "admin-closed",
        "Admin routes are closed",
        $"No admin API key is configured ({settingName}), so admin routes are closed.");

    /// <summary>A problem of a kind specific to one service, with the same shape as the rest.</summary>
    public static IResult Problem(int status, string type, string title, string detail, string? field = null) => TypedResults.Problem(
        statusCode: status,
        type: TypePrefix + type,
        title: title,
        detail: detail,
        extensions: field is null ? null : new Dictionary<string, object?> { ["field"] = field });
}
