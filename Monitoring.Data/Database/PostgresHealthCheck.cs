using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace Monitoring.Data.Database;

/// <summary>Readiness: the model database answers a round trip.</summary>
internal sealed class PostgresHealthCheck(NpgsqlDataSource dataSource) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var command = dataSource.CreateCommand("SELECT 1");
            await command.ExecuteScalarAsync(cancellationToken);
            return HealthCheckResult.Healthy("PostgreSQL answered.");
        }
        catch (Exception exception) when (exception is NpgsqlException or TimeoutException or InvalidOperationException)
        {
            // SqlState or the error kind says why; the message could carry the host and user, so it stays in the log.
            var reason = exception is PostgresException postgres ? $"SQLSTATE {postgres.SqlState}" : exception.GetType().Name;
            return new HealthCheckResult(context.Registration.FailureStatus, $"PostgreSQL is unreachable ({reason}).", exception);
        }
    }
}
