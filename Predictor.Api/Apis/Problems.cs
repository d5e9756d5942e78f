namespace Predictor.Api.Apis;

/// <summary>
/// RFC 9457 problem responses with stable <c>type</c> URIs, one place for each kind of error this API returns.
/// </summary>
internal static class Problems
{
    private const string TypePrefix = "/problems/";

    public static IResult NotFound(string detail) => Problem(StatusCodes.Status404NotFound, "not-found", "Not found", detail);

    public static IResult Conflict(string detail) => Problem(StatusCodes.Status409Conflict, "conflict", "Conflict", detail);

    public static IResult Malformed(string detail, string? field = null) =>
        Problem(StatusCodes.Status400BadRequest, "malformed-request", "The request is malformed", detail, field);

    public static IResult Unprocessable(string detail, string? field = null) =>
        Problem(StatusCodes.Status422UnprocessableEntity, "invalid-request", "The request is not valid", detail, field);

    public static IResult UnservableModel(string detail) =>
        Problem(StatusCodes.Status422UnprocessableEntity, "unservable-model", "The model cannot be served", detail, "model");

    public static IResult TooLarge(string detail) => Problem(StatusCodes.Status413PayloadTooLarge, "too-large", "The request is too large", detail);

    public static IResult UnsupportedMediaType(string detail) =>
        Problem(StatusCodes.Status415UnsupportedMediaType, "unsupported-media-type", "Unsupported media type", detail);

    public static IResult NotReady(string detail) =>
        Problem(StatusCodes.Status503ServiceUnavailable, "not-ready", "The service is not ready", detail);

    public static IResult Unauthorized() => Problem(
        StatusCodes.Status401Unauthorized, "unauthorized", "Unauthorized", "This route needs the admin API key: Authorization: Bearer <key>.");

    public static IResult AdminClosed() => Problem(
        StatusCodes.Status403Forbidden,
        "admin-closed",
        "Admin routes are closed",
        $"No admin API key is configured ({PredictorOptions.Section}:{nameof(PredictorOptions.AdminApiKey)}), so admin routes are closed.");

    private static IResult Problem(int status, string type, string title, string detail, string? field = null) => TypedResults.Problem(
        statusCode: status,
        type: TypePrefix + type,
        title: title,
        detail: detail,
        extensions: field is null ? null : new Dictionary<string, object?> { ["field"] = field });
}
