using Microsoft.Extensions.Options;

namespace Training.Worker.Online;

/// <summary>Checks <see cref="TrainingWorkerOptions.Online"/> at start; each failure names its setting.</summary>
internal sealed class OnlineUpdateOptionsValidator : IValidateOptions<TrainingWorkerOptions>
{
    public ValidateOptionsResult Validate(string? name, TrainingWorkerOptions options) =>
        options?.Online?.Validate() is { Count: > 0 } problems ? ValidateOptionsResult.Fail(problems) : ValidateOptionsResult.Success;
}
