using Microsoft.Extensions.Options;

namespace Predictor.Api.FeatureHistograms;

/// <summary>Settings of the streaming feature histograms, configuration section <c>FeatureHistograms</c>.</summary>
public sealed class FeatureHistogramOptions
{
    public const string SectionName = "FeatureHistograms";

    /// <summary>How often closed minutes are stored.</summary>
    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>How long after a minute ends its counts are taken, so requests that started in it finish counting.</summary>
    public TimeSpan Grace { get; set; } = TimeSpan.FromSeconds(2);
}

internal sealed class FeatureHistogramOptionsValidator : IValidateOptions<FeatureHistogramOptions>
{
    public ValidateOptionsResult Validate(string? name, FeatureHistogramOptions options)
    {
        const string s = FeatureHistogramOptions.SectionName;
        List<string> failures = [];
        if (options.FlushInterval <= TimeSpan.Zero || options.FlushInterval > TimeSpan.FromMinutes(5))
        {
            failures.Add($"{s}:{nameof(options.FlushInterval)} must be greater than 0 and at most 5 minutes (was {options.FlushInterval}).");
        }

        if (options.Grace < TimeSpan.Zero || options.Grace > TimeSpan.FromMinutes(1))
        {
            failures.Add($"{s}:{nameof(options.Grace)} must be between 0 and 1 minute (was {options.Grace}).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
