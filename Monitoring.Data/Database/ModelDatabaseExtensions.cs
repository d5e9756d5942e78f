using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Monitoring.Data.Database;
using Npgsql;

namespace Microsoft.Extensions.Hosting;

public static class ModelDatabaseExtensions
{
    public const string HealthCheckName = "postgres";

    /// <summary>
    /// Registers the model database: validated connection string, one pooled <see cref="NpgsqlDataSource"/> (its
    /// meter and activity source are picked up by the service defaults) and a readiness check.
    /// </summary>
    public static TBuilder AddModelDatabase<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddOptions<ModelDatabaseOptions>()
            .Configure(options => options.ConnectionString = builder.Configuration.GetConnectionString(ModelDatabaseOptions.ConnectionStringName))
            .ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<ModelDatabaseOptions>, ModelDatabaseOptionsValidator>();

        builder.Services.AddSingleton(provider =>
        {
            var options = provider.GetRequiredService<IOptions<ModelDatabaseOptions>>().Value;
            var dataSource = new NpgsqlDataSourceBuilder(options.ConnectionString)
            {
                Name = builder.Environment.ApplicationName,
            };
            return dataSource.Build();
        });

        builder.Services.AddHealthChecks()
            .AddCheck<PostgresHealthCheck>(HealthCheckName, timeout: TimeSpan.FromSeconds(5));

        builder.Services.AddInfoSettings("database", provider => DescribeDatabase(provider.GetRequiredService<IOptions<ModelDatabaseOptions>>().Value));
        return builder;
    }

    private static Dictionary<string, object?> DescribeDatabase(ModelDatabaseOptions options)
    {
        var parsed = new NpgsqlConnectionStringBuilder(options.ConnectionString);
        return new()
        {
            ["host"] = parsed.Host,
            ["port"] = parsed.Port,
            ["database"] = parsed.Database,
            ["maxPoolSize"] = parsed.MaxPoolSize,
        };
    }
}
