using Microsoft.Extensions.Options;
using Predictor.Api.FeatureHistograms;
using Predictor.Api.Registry;
using Predictor.Api.Serving;
using Predictor.Api.Telemetry;

namespace Predictor.Api.Extensions;

public static class PredictorServiceExtensions
{
    /// <summary>The predictor's own services: options, problem details, the registry, admin key checks, the served models, their feature histograms and metrics.</summary>
    public static IHostApplicationBuilder AddPredictorServices(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<PredictorOptions>()
            .BindConfiguration(PredictorOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddInfoSettings<PredictorOptions>("predictor");
        builder.Services.AddProblemDetails();
        builder.Services.AddScoped<ModelRegistry>();
        builder.Services.AddAdminApiKey<PredictorOptions>(o => o.AdminApiKey, $"{PredictorOptions.Section}:{nameof(PredictorOptions.AdminApiKey)}");
        builder.Services.AddSingleton<ModelCatalog>();
        builder.Services.AddSingleton<PredictorMetrics>();
        builder.Services.AddHostedService<ChampionLoader>();
        builder.Services.AddOptions<FeatureHistogramOptions>().BindConfiguration(FeatureHistogramOptions.SectionName).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<FeatureHistogramOptions>, FeatureHistogramOptionsValidator>();
        builder.Services.AddSingleton<FeatureHistogramRegistry>();
        builder.Services.AddSingleton<FeatureBinFlusher>();
        builder.Services.AddHostedService(provider => provider.GetRequiredService<FeatureBinFlusher>());
        builder.Services.AddHealthChecks().AddCheck<ModelsHealthCheck>("models");
        return builder;
    }
}
