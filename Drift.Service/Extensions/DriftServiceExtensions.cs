using Drift.Service;
using Drift.Service.Evaluation;
using Drift.Service.Feedback;
using Drift.Service.Telemetry;

namespace Microsoft.Extensions.Hosting;

public static class DriftServiceExtensions
{
    /// <summary>
    /// The drift service: validated options, the admin key, the evaluator and its loop, feedback intake with the
    /// online detectors, and the <c>MlMonitoring.Drift</c> instruments.
    /// </summary>
    public static IHostApplicationBuilder AddDriftServices(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<DriftServiceOptions>()
            .BindConfiguration(DriftServiceOptions.Section)
            .ValidateDataAnnotations()
            .Validate(o => o.Thresholds().Validate().Count == 0, $"The {DriftServiceOptions.Section} thresholds are not valid.")
            .ValidateOnStart();
        builder.Services.AddInfoSettings<DriftServiceOptions>("drift");
        builder.Services.AddProblemDetails();
        // Replies and stored report details use the API's snake_case, as the rest of the HTTP surface does.
        builder.Services.ConfigureHttpJsonOptions(json =>
        {
            json.SerializerOptions.PropertyNamingPolicy = System.Text.Json.JsonNamingPolicy.SnakeCaseLower;
            json.SerializerOptions.NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals;
        });
        builder.Services.AddAdminApiKey<DriftServiceOptions>(o => o.AdminApiKey, $"{DriftServiceOptions.Section}:{nameof(DriftServiceOptions.AdminApiKey)}");
        builder.Services.AddSingleton<DriftMetrics>();
        builder.Services.AddSingleton<DriftEvaluator>();
        builder.Services.AddSingleton<DetectorRegistry>();
        builder.Services.AddSingleton<FeedbackDetectors>();
        builder.Services.AddHostedService<EvaluationLoop>();
        return builder;
    }
}
