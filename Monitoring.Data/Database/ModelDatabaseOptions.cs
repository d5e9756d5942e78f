using Microsoft.Extensions.Options;
using Npgsql;

namespace Monitoring.Data.Database;

/// <summary>Where the model database is. Bound from <c>ConnectionStrings:modeldb</c>, the name Aspire injects.</summary>
public sealed class ModelDatabaseOptions
{
    public const string ConnectionStringName = "modeldb";

    public string? ConnectionString { get; set; }
}

/// <summary>Fails the start with a message that names the missing or broken setting.</summary>
internal sealed class ModelDatabaseOptionsValidator : IValidateOptions<ModelDatabaseOptions>
{
    public ValidateOptionsResult Validate(string? name, ModelDatabaseOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            return ValidateOptionsResult.Fail(
                $"The connection string '{ModelDatabaseOptions.ConnectionStringName}' is missing: set the environment variable " +
                $"ConnectionStrings__{ModelDatabaseOptions.ConnectionStringName} or the configuration key " +
                $"ConnectionStrings:{ModelDatabaseOptions.ConnectionStringName} to a PostgreSQL connection string.");
        }

        try
        {
            var parsed = new NpgsqlConnectionStringBuilder(options.ConnectionString);
            if (string.IsNullOrWhiteSpace(parsed.Host))
            {
                return ValidateOptionsResult.Fail($"The connection string '{ModelDatabaseOptions.ConnectionStringName}' has no Host.");
            }
        }
        catch (ArgumentException exception)
        {
            // The message names the offending keyword; the connection string itself is never echoed.
            return ValidateOptionsResult.Fail($"The connection string '{ModelDatabaseOptions.ConnectionStringName}' is not valid: {exception.Message}");
        }

        return ValidateOptionsResult.Success;
    }
}
