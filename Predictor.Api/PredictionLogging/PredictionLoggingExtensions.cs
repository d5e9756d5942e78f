using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Predictor.Api.PredictionLogging;

namespace Microsoft.Extensions.Hosting;

public static class PredictionLoggingExtensions
{
    public const string HealthCheckName = "prediction-log";

    /// <summary>
    /// Registers prediction logging: validated <see cref="PredictionLoggingOptions"/> (section <c>PredictionLogging</c>),
    /// <see cref="IPredictionLog"/> for the request path, the background COPY writer with its spill, the
    /// <c>ml.prediction_log.*</c> instruments and the <c>prediction-log</c> health check. Needs
    /// <c>AddModelDatabase</c> (NpgsqlDataSource, ModelSchemaState).
    /// </summary>
    public static IHostApplicationBuilder AddPredictionLogging(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<PredictionLoggingOptions>()
            .BindConfiguration(PredictionLoggingOptions.SectionName)
            .PostConfigure<IHostEnvironment>((options, environment) =>
            {
                if (!string.IsNullOrWhiteSpace(options.SpillDirectory) && !Path.IsPathRooted(options.SpillDirectory))
                {
                    options.SpillDirectory = Path.GetFullPath(Path.Combine(environment.ContentRootPath, options.SpillDirectory));
                }
            })
            .ValidateOnStart();
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PredictionLoggingOptions>, PredictionLoggingOptionsValidator>());
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddMetrics();
        builder.Services.AddSingleton<PredictionLogQueue>();
        builder.Services.AddSingleton<IPredictionLog>(provider => provider.GetRequiredService<PredictionLogQueue>());
        builder.Services.AddSingleton<PredictionLogWriter>();
        builder.Services.AddHostedService(provider => provider.GetRequiredService<PredictionLogWriter>());
        builder.Services.AddHealthChecks().AddCheck<PredictionLogHealthCheck>(HealthCheckName);
        return builder;
    }
}
