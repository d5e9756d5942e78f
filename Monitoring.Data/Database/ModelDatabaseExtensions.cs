using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Monitoring.Data;
using Monitoring.Data.Database;
using Npgsql;

namespace Microsoft.Extensions.Hosting;

public static class ModelDatabaseExtensions
{
    public const string HealthCheckName = "postgres";
    public const string SchemaHealthCheckName = "schema";

    /// <summary>
    /// Registers the model database: validated connection string, one pooled <see cref="NpgsqlDataSource"/> (its
    /// meter and activity source are picked up by the service defaults), a pooled <see cref="ModelDbContext"/> over
    /// it, and readiness checks for the connection and the schema. The one service that owns the schema passes
    /// <paramref name="applyMigrations"/>; the others wait until it has.
    /// </summary>
    public static TBuilder AddModelDatabase<TBuilder>(this TBuilder builder, bool applyMigrations = false) where TBuilder : IHostApplicationBuilder
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

        builder.Services.AddDbContextPool<ModelDbContext>((provider, options) => options.UseNpgsql(provider.GetRequiredService<NpgsqlDataSource>()));
        builder.Services.AddSingleton<ModelSchemaState>();
        builder.Services.AddHostedService(provider => new ModelSchemaService(
            provider.GetRequiredService<IServiceScopeFactory>(),
            provider.GetRequiredService<ModelSchemaState>(),
            applyMigrations,
            provider.GetRequiredService<TimeProvider>(),
            provider.GetRequiredService<ILogger<ModelSchemaService>>()));

        builder.Services.AddHealthChecks()
            .AddCheck<PostgresHealthCheck>(HealthCheckName, timeout: TimeSpan.FromSeconds(5))
            .AddCheck<ModelSchemaHealthCheck>(SchemaHealthCheckName);

        builder.Services.AddInfoSettings("database", provider => DescribeDatabase(provider.GetRequiredService<IOptions<ModelDatabaseOptions>>().Value, applyMigrations));
        return builder;
    }

    private static Dictionary<string, object?> DescribeDatabase(ModelDatabaseOptions options, bool applyMigrations)
    {
        var parsed = new NpgsqlConnectionStringBuilder(options.ConnectionString);
        return new()
        {
            ["host"] = parsed.Host,
            ["port"] = parsed.Port,
            ["database"] = parsed.Database,
            ["maxPoolSize"] = parsed.MaxPoolSize,
            ["appliesMigrations"] = applyMigrations,
        };
    }
}
