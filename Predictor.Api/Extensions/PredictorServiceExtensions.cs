using Predictor.Api.Registry;
using Predictor.Api.Security;

namespace Predictor.Api.Extensions;

public static class PredictorServiceExtensions
{
    /// <summary>The predictor's own services: options, problem details, the model registry, admin key checks.</summary>
    public static IHostApplicationBuilder AddPredictorServices(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<PredictorOptions>()
            .BindConfiguration(PredictorOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddInfoSettings<PredictorOptions>("predictor");
        builder.Services.AddProblemDetails();
        builder.Services.AddScoped<ModelRegistry>();
        builder.Services.AddSingleton<AdminApiKeyFilter>();
        return builder;
    }
}
