using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Monitoring.Data.Database;

/// <summary>Whether the model database's schema is current; what background work waits on before it touches tables.</summary>
public sealed class ModelSchemaState
{
    private readonly TaskCompletionSource _current = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public bool IsCurrent => _current.Task.IsCompleted;

    /// <summary>Why the schema is not current yet, for the health check.</summary>
    public string Status { get; internal set; } = "Checking the schema.";

    public Task WaitUntilCurrentAsync(CancellationToken cancellationToken) => _current.Task.WaitAsync(cancellationToken);

    internal void MarkCurrent()
    {
        Status = "The schema is current.";
        _current.TrySetResult();
    }
}

/// <summary>
/// Brings the schema up to date at start. Exactly one service owns the migrations and applies them (EF Core holds a
/// database lock while it migrates, so even two owners cannot collide); the others wait until nothing is pending.
/// Runs in the background so the process is alive, and reports unready, while PostgreSQL is away.
/// </summary>
internal sealed partial class ModelSchemaService(
    IServiceScopeFactory scopes,
    ModelSchemaState state,
    bool applyMigrations,
    TimeProvider time,
    ILogger<ModelSchemaService> logger) : BackgroundService
{
    private static readonly TimeSpan s_retryDelay = TimeSpan.FromSeconds(2);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                var database = scope.ServiceProvider.GetRequiredService<ModelDbContext>().Database;
                var pending = (await database.GetPendingMigrationsAsync(stoppingToken)).ToList();
                if (pending.Count > 0 && applyMigrations)
                {
                    state.Status = $"Applying {pending.Count} migration(s).";
                    LogApplying(logger, pending.Count, string.Join(", ", pending));
                    await database.MigrateAsync(stoppingToken);
                    pending.Clear();
                }

                if (pending.Count == 0)
                {
                    state.MarkCurrent();
                    LogCurrent(logger);
                    return;
                }

                state.Status = $"Waiting for the migration owner to apply {pending.Count} migration(s).";
            }
            catch (Exception exception) when (exception is NpgsqlException or TimeoutException or InvalidOperationException && !stoppingToken.IsCancellationRequested)
            {
                state.Status = $"The schema could not be checked ({exception.GetType().Name}); retrying.";
                LogRetry(logger, exception);
            }

            await Task.Delay(s_retryDelay, time, stoppingToken);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Applying {Count} migration(s) to the model database: {Migrations}")]
    private static partial void LogApplying(ILogger logger, int count, string migrations);

    [LoggerMessage(Level = LogLevel.Information, Message = "The model database schema is current.")]
    private static partial void LogCurrent(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The model database schema could not be checked or migrated; retrying.")]
    private static partial void LogRetry(ILogger logger, Exception exception);
}

/// <summary>Readiness: the schema this build expects is in place.</summary>
internal sealed class ModelSchemaHealthCheck(ModelSchemaState state) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(state.IsCurrent
            ? HealthCheckResult.Healthy(state.Status)
            : new HealthCheckResult(context.Registration.FailureStatus, state.Status));
}
