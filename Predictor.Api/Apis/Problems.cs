namespace Predictor.Api.Apis;

/// <summary>The predictor's problems: the shared kinds (<see cref="ApiProblems"/>) and its own.</summary>
internal static class Problems
{
    public static IResult NotFound(string detail) => ApiProblems.NotFound(detail);

    public static IResult Conflict(string detail) => ApiProblems.Conflict(detail);

    public static IResult Malformed(string detail, string? field = null) => ApiProblems.Malformed(detail, field);

    public static IResult Unprocessable(string detail, string? field = null) => ApiProblems.Unprocessable(detail, field);

    public static IResult UnservableModel(string detail) =>
        ApiProblems.Problem(StatusCodes.Status422UnprocessableEntity, "unservable-model", "The model cannot be served", detail, "model");

    public static IResult TooLarge(string detail) => ApiProblems.TooLarge(detail);

    public static IResult UnsupportedMediaType(string detail) => ApiProblems.UnsupportedMediaType(detail);

    public static IResult NotReady(string detail) => ApiProblems.NotReady(detail);
}
