using Microsoft.Extensions.Options;
using Training.Worker;
using Training.Worker.Jobs;
using Training.Worker.Online;
using Training.Worker.Pipeline;
using Training.Worker.Telemetry;

namespace Microsoft.Extensions.Hosting;

public static class TrainingServiceExtensions
{
    /// <summary>
    /// The worker's services: validated options, the admin key, the job store and runner (unless
    /// <see cref="TrainingWorkerOptions.ProcessJobs"/> is off), bootstrap of configured models, the training
    /// pipeline, online updates of logistic and softmax regression champions, and the <c>MlMonitoring.Training</c>
    /// instruments.
    /// </summary>
    public static IHostApplicationBuilder AddTrainingServices(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<TrainingWorkerOptions>()
            .BindConfiguration(TrainingWorkerOptions.Section)
            .ValidateDataAnnotations()
            .Validate(o => o.Bootstrap.All(b => !string.IsNullOrWhiteSpace(b.Name)), $"Every {TrainingWorkerOptions.Section}:{nameof(TrainingWorkerOptions.Bootstrap)} entry needs a Name.")
            .Validate(o => o.Bootstrap.All(ReferenceData.IsValid),
                $"{TrainingWorkerOptions.Section}:{nameof(TrainingWorkerOptions.Bootstrap)}: Dataset is {DemoDatasets.CreditRiskName}, {DemoDatasets.HousePricesName}, or {ReferenceData.Csv} with CsvPath and Target.")
            .Validate(o => o.Online is not null, $"{OnlineUpdateOptions.Section} must be an object.")
            .ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<TrainingWorkerOptions>, OnlineUpdateOptionsValidator>();
        builder.Services.AddInfoSettings<TrainingWorkerOptions>("training");
        builder.Services.AddProblemDetails();
        builder.Services.AddAdminApiKey<TrainingWorkerOptions>(o => o.AdminApiKey, $"{TrainingWorkerOptions.Section}:{nameof(TrainingWorkerOptions.AdminApiKey)}");
        builder.Services.AddSingleton<TrainingMetrics>();
        builder.Services.AddScoped<TrainingJobStore>();
        builder.Services.AddSingleton<ModelDataLoader>();
        builder.Services.AddSingleton<CandidateGate>();
        builder.Services.AddSingleton<ITrainingPipeline, TrainingPipeline>();
        builder.Services.AddSingleton<TrainingJobRunner>();
        if (builder.Configuration.GetValue($"{TrainingWorkerOptions.Section}:{nameof(TrainingWorkerOptions.ProcessJobs)}", defaultValue: true))
        {
            builder.Services.AddHostedService(provider => provider.GetRequiredService<TrainingJobRunner>());
        }

        builder.Services.AddHostedService<BootstrapService>();
        builder.Services.AddHostedService<ScheduleService>();
        builder.Services.AddSingleton<OnlineUpdateService>();
        builder.Services.AddHostedService(provider => provider.GetRequiredService<OnlineUpdateService>());
        return builder;
    }
}
