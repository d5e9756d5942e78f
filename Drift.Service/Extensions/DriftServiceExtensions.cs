using Drift.Service;
using Drift.Service.Evaluation;
using Drift.Service.Feedback;
using Drift.Service.Telemetry;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.Hosting;

public static class DriftServiceExtensions
{
    /// <summary>
    /// The drift service: validated options, the admin key, feedback intake (with held early feedback) and the online
    /// detectors, the evaluator and its loop, and the <c>MlMonitoring.Drift</c> instruments.
    /// </summary>
    public static IHostApplicationBuilder AddDriftServices(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<DriftServiceOptions>().BindConfiguration(DriftServiceOptions.Section).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<DriftServiceOptions>, DriftServiceOptionsValidator>();
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
        builder.Services.AddSingleton<DetectorRegistry>();
        builder.Services.AddSingleton<FeedbackStore>();
        builder.Services.AddSingleton<PendingFeedback>();
        builder.Services.AddHostedService<PendingFeedbackRetrier>();
        builder.Services.AddSingleton<DriftEvaluator>();
        builder.Services.AddSingleton<RetrainingPolicy>();
        builder.Services.AddHostedService<EvaluationLoop>();
        return builder;
    }
}
